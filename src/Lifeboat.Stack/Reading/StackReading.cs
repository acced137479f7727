using System.Text.RegularExpressions;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Reading;

/// <summary>
/// The read commands (dump, ls, find, diff, stats) in stack mode: which app and which of its snapshots the
/// arguments mean, and errors that name the app and snapshot looked in and the form that works. `latest` is always
/// an app's latest: the newest snapshot of the repository is some app's, rarely the one meant.
/// </summary>
/// <param name="command">The command's name, for the forms the errors suggest ("dump").</param>
public sealed partial class StackReading(StackConfig config, string command)
{
    public StackConfig Config { get; } = config;

    /// <summary>restic's snapshot forms: "latest" or an ID (prefix).</summary>
    public static bool IsSnapshotReference(string argument) => argument == "latest" || SnapshotId().IsMatch(argument);

    [GeneratedRegex("^[0-9a-fA-F]{1,64}$")]
    private static partial Regex SnapshotId();

    /// <summary>
    /// `CMD APP [--snapshot ID|--at TIME] [PATH...]`, or `CMD latest|ID [PATH...]` with the app the paths lie under;
    /// null when the arguments are restic's form for the repository as a whole (an ID outside every app's paths, or
    /// `latest` narrowed by restic's filters).
    /// </summary>
    /// <param name="first">The first argument: an app, "latest" or a snapshot ID.</param>
    /// <param name="paths">The paths in the snapshot the command reads (absolute).</param>
    /// <param name="snapshot">--snapshot, when given.</param>
    /// <param name="at">--at, when given.</param>
    /// <param name="filtered">restic's --host, --tag or --path filters were given.</param>
    public AppSnapshotChoice? Choose(string first, IReadOnlyList<string> paths, string? snapshot, DateTimeOffset? at, bool filtered)
    {
        if (snapshot is not null && at is not null) throw new StackException("--snapshot and --at both choose the snapshot: give one of them");
        if (Config.FindApp(first) is { } app) return new AppSnapshotChoice(app, snapshot, at);
        if (!IsSnapshotReference(first))
            throw new StackException($"\"{first}\" is neither an app in {Config.File} nor a snapshot ID; known apps: {KnownApps}");
        if (snapshot is not null)
            throw new StackException($"the snapshot is given twice ({first} and --snapshot {snapshot}): `lifeboat {command} APP --snapshot {snapshot} ...`");
        if (at is not null && first != "latest")
            throw new StackException($"--at chooses the snapshot, and so does {first}: give one of them, e.g. `lifeboat {command} APP --at \"{AtExample}\" ...`");

        var owner = OwnerOf(paths, out var unowned, out var owners);
        if (owner is not null) return new AppSnapshotChoice(owner, first, at, Inferred: true);
        // an ID names one snapshot of the whole repository: restic's meaning is exact
        if (first != "latest" || (filtered && at is null)) return null;
        if (owners.Count > 1)
            throw new StackException($"the paths are in several apps ({string.Join(", ", owners.Select(a => a.Name))}): read one app at a time, e.g. `lifeboat {command} {owners[0].Name} ...`");
        if (unowned is not null)
            throw new StackException($"{unowned} is not inside the paths of any app in {Config.File} ({AppPaths}): `latest` is an app's latest; name the app: `lifeboat {command} APP PATH`");
        if (Config.Apps.Count == 1) return new AppSnapshotChoice(Config.Apps[0], first, at, Inferred: true);
        throw new StackException($"`latest` is an app's latest with {Config.File}: name the app, e.g. `lifeboat {command} {Config.Apps[0].Name}` (apps: {KnownApps})");
    }

    /// <summary>
    /// `latest` in restic's form where no path tells the app (diff, stats, find --snapshot): an error naming the app
    /// form, unless the stack has one app or restic's filters narrow the choice.
    /// </summary>
    public void RejectBareLatest(IEnumerable<string> snapshots, bool filtered)
    {
        if (filtered || Config.Apps.Count == 1 || !snapshots.Contains("latest")) return;
        throw new StackException($"`latest` is an app's latest with {Config.File}: name the app, e.g. `lifeboat {command} {Config.Apps[0].Name} ...` (apps: {KnownApps})");
    }

    /// <summary>The one app whose paths hold every path; null with the first path no app holds, or the apps when several do.</summary>
    public AppConfig? OwnerOf(IReadOnlyList<string> paths, out string? unowned, out IReadOnlyList<AppConfig> owners)
    {
        unowned = null;
        var found = new List<AppConfig>();
        foreach (var path in paths.Select(Absolute))
        {
            var holders = Config.Apps.Where(a => a.Paths.Any(p => StackRestore.IsInside(path, p))).ToList();
            // nested app paths: the innermost app holds the path
            var holder = holders.OrderByDescending(a => a.Paths.Where(p => StackRestore.IsInside(path, p)).Max(p => p.Length)).FirstOrDefault();
            if (holder is null) unowned ??= path;
            else if (!found.Contains(holder)) found.Add(holder);
        }
        owners = found;
        return unowned is null && found.Count == 1 ? found[0] : null;
    }

    /// <summary>
    /// A path an app's snapshot can hold: inside one of its paths or on the way to one; else an error naming the
    /// app that holds it.
    /// </summary>
    public void RequireInApp(AppConfig app, string path)
    {
        var absolute = Absolute(path);
        if (app.Paths.Any(p => StackRestore.IsInside(absolute, p) || StackRestore.IsInside(p, absolute))) return;
        // the app's dumps lie beside its paths in its snapshots (restore names them so, to get one by hand)
        if (StackRestore.IsInside(absolute, DumpLayout.Root)) return;
        var owner = OwnerOf([absolute], out _, out _);
        throw new StackException(owner is not null
            ? $"{absolute} is not inside the paths of app {app.Name} ({string.Join(", ", app.Paths)}); it is app {owner.Name}'s: `lifeboat {command} {owner.Name} {absolute}`"
            : $"{absolute} is not inside the paths of app {app.Name} ({string.Join(", ", app.Paths)}): give a path under them, e.g. {app.Paths[0]}/...");
    }

    /// <summary>The app's snapshot as <paramref name="choice"/> says (`latest --at TIME`: the newest at or before TIME).</summary>
    public static Task<Snapshot> ChooseSnapshotAsync(Repo repository, AppSnapshotChoice choice, SnapshotFilter? filter, CancellationToken cancellationToken) =>
        StackRestore.ChooseSnapshotAsync(repository, choice.App, choice.At is not null && choice.Snapshot == "latest" ? null : choice.Snapshot,
            choice.At, null, filter, cancellationToken);

    /// <summary>The app's snapshots named by <paramref name="snapshots"/> (IDs or "latest"), else all of them, oldest first.</summary>
    public static async Task<IReadOnlyList<Snapshot>> HistoryAsync(Repo repository, AppConfig app, IReadOnlyList<string> snapshots, SnapshotFilter? filter,
        CancellationToken cancellationToken)
    {
        if (snapshots.Count > 0)
        {
            var chosen = new List<Snapshot>();
            foreach (var s in snapshots)
                chosen.Add(await StackRestore.ChooseSnapshotAsync(repository, app, s, null, null, filter, cancellationToken).ConfigureAwait(false));
            return chosen;
        }
        var history = (await StackSnapshots.ListAsync(repository, [app], cancellationToken).ConfigureAwait(false))[0].Snapshots
            .Where(s => filter is null || filter.Matches(s)).OrderBy(s => s.Time.ToDateTimeOffset()).ToList();
        if (history.Count == 0)
            throw new StackException($"there is no snapshot of app {app.Name}{(filter is { IsEmpty: false } ? " for the given host, path or tag filter" : "")} in the repository");
        return history;
    }

    /// <summary>
    /// `diff APP` compares the app's two newest snapshots, `diff APP ID` that one with the newest, `diff APP ID1 ID2`
    /// those two (both the app's).
    /// </summary>
    public async Task<(Snapshot From, Snapshot To)> ChoosePairAsync(Repo repository, AppConfig app, IReadOnlyList<string> snapshots,
        CancellationToken cancellationToken)
    {
        if (snapshots.Count > 2) throw new StackException($"diff compares two snapshots: `lifeboat diff {app.Name} [ID1 [ID2]]`");
        if (snapshots.Count == 2)
        {
            var chosen = await HistoryAsync(repository, app, snapshots, null, cancellationToken).ConfigureAwait(false);
            return (chosen[0], chosen[1]);
        }
        var history = await HistoryAsync(repository, app, [], null, cancellationToken).ConfigureAwait(false);
        if (snapshots.Count == 1)
            return ((await HistoryAsync(repository, app, snapshots, null, cancellationToken).ConfigureAwait(false))[0], history[^1]);
        if (history.Count < 2)
            throw new StackException($"app {app.Name} has one snapshot ({Describe(history[0])}): there is nothing to compare it with yet");
        return (history[^2], history[^1]);
    }

    /// <summary>
    /// The error for a path an app's snapshot does not have: the snapshot and app looked in, the nearest folder the
    /// snapshot has on the way, and the command that lists it.
    /// </summary>
    public async Task<StackException> PathNotInSnapshotAsync(Repo repository, AppConfig app, Snapshot snapshot, string path, CancellationToken cancellationToken)
    {
        var absolute = Absolute(path);
        var nearest = absolute;
        Node? node = null;
        while (nearest != "/" && node is null)
        {
            nearest = nearest[..Math.Max(1, nearest.LastIndexOf('/'))];
            node = nearest == "/" ? null : await repository.FindNodeAsync(snapshot.Tree, nearest, cancellationToken).ConfigureAwait(false);
        }
        var where = $"snapshot {Describe(snapshot)} of app {app.Name}";
        return new StackException(node is null
            ? $"{absolute} is not in {where}; see what it has: `lifeboat ls {app.Name} --snapshot {snapshot.Id.ToShortString()}`"
            : $"{absolute} is not in {where}; see what {nearest} holds: `lifeboat ls {app.Name} --snapshot {snapshot.Id.ToShortString()} {nearest}`, or other snapshots: `lifeboat snapshots {app.Name}`");
    }

    /// <summary>"1a2b3c4d (2026-12-05 03:00:00)", in local time.</summary>
    public static string Describe(Snapshot snapshot) =>
        $"{snapshot.Id.ToShortString()} ({snapshot.Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss})";

    /// <summary>"/srv/data", "srv/data/" alike: absolute, without a trailing slash.</summary>
    public static string Absolute(string path) => "/" + path.Trim('/');

    private string KnownApps => string.Join(", ", Config.Apps.Select(a => a.Name));

    private string AppPaths => string.Join("; ", Config.Apps.Select(a => $"{a.Name}: {string.Join(", ", a.Paths)}"));

    private const string AtExample = "3 days ago";
}
