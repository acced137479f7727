using Lifeboat.Engine;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Restore;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Dumps;
using Lifeboat.Stack.Hooks;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// Restores apps from their snapshots (tag app:NAME): to another directory as restic lays it out, or in place, where
/// the restored items are first written into a staging directory beside their destination (same file system) and then
/// renamed into place, so that a failure at any point leaves the previous files as they were.
/// </summary>
public sealed class StackRestore
{
    /// <summary>The tag of the snapshots `upgrade` makes and `rollback` restores.</summary>
    public const string PreUpgradeTag = "pre-upgrade";

    private readonly Repo _repository;
    private readonly StackConfig _config;
    private readonly Lazy<IContainerControl> _containers;
    private readonly IStackRestoreObserver? _observer;

    /// <param name="containerControl">Called once, only when an app with containers is restored in place.</param>
    /// <summary>Where a restore in place is: the app, its phase and counts (for a progress line).</summary>
    public StackRestoreProgress Progress { get; } = new();

    /// <summary>Who is told of the restore's events (a progress line clears itself for them).</summary>
    public IStackRestoreObserver? Observer => _observer;

    public StackRestore(Repo repository, StackConfig config, Func<IContainerControl> containerControl, IStackRestoreObserver? observer = null)
    {
        _repository = repository;
        _config = config;
        _containers = new Lazy<IContainerControl>(containerControl, LazyThreadSafetyMode.ExecutionAndPublication);
        _observer = observer;
        Hooks = new StackRestoreHooks(config, (app, message) => observer?.AppEvent(app, message), message => observer?.StackEvent(message));
    }

    /// <summary>The config's restore hooks: each app's run inside the in-place restore and the rebuild; the stack's are the caller's to run, once.</summary>
    public StackRestoreHooks Hooks { get; }

    /// <summary>Runs the dump tools when dumps are loaded (host processes and docker exec); made once, when first needed.</summary>
    /// <remarks>By default host processes and Docker exec over the client the restore's container control uses.</remarks>
    public Func<IDumpProcesses>? DumpProcesses { get; init; }

    /// <summary>The dump tools' command lines with each entry's credentials; null: DumpTools' (<see cref="DumpToolCommands"/>).</summary>
    public IDumpCommands? DumpCommands { get; init; }

    private IDumpProcesses? _dumpProcesses;
    private IDumpCommands? _dumpCommands;
    private IDumpProcesses DumpProcessesOnce => _dumpProcesses ??= DumpProcesses?.Invoke()
        ?? new Dumps.DumpProcesses(() => _containers.Value as DockerContainerControl ?? DockerContainerControl.FromEnvironment(), ownsDocker: false);
    private IDumpCommands DumpCommandsOnce => _dumpCommands ??= DumpCommands ?? new DumpToolCommands(() => DumpProcessesOnce);

    private DumpRestore DumpLoader(AppConfig app) =>
        new(_repository, DumpProcessesOnce, DumpCommandsOnce, message => _observer?.AppEvent(app, message));

    /// <summary>Where the containers an in-place restore stops are recorded until they run again (<see cref="ContainerStopJournal"/>); null records nothing.</summary>
    public State.ContainerStopLog? StopLog { get; init; }

    /// <summary>Tests only: called before each rename into place.</summary>
    internal Action<string>? BeforeRenameIntoPlace { get; init; }

    /// <summary>
    /// The app's snapshot to restore: <paramref name="snapshot"/> (an ID prefix, or "latest"), else the newest at or
    /// before <paramref name="at"/>, else the newest; only those with <paramref name="requiredTag"/> when given.
    /// </summary>
    public static Task<Snapshot> ChooseSnapshotAsync(Repo repository, AppConfig app, string? snapshot, DateTimeOffset? at,
        string? requiredTag, CancellationToken cancellationToken) =>
        ChooseSnapshotAsync(repository, app, snapshot, at, requiredTag, null, cancellationToken);

    /// <inheritdoc cref="ChooseSnapshotAsync(Repo, AppConfig, string?, DateTimeOffset?, string?, CancellationToken)"/>
    /// <param name="filter">restic's --host, --tag and --path, when the user narrows the app's history further.</param>
    public static async Task<Snapshot> ChooseSnapshotAsync(Repo repository, AppConfig app, string? snapshot, DateTimeOffset? at,
        string? requiredTag, SnapshotFilter? filter, CancellationToken cancellationToken)
    {
        var all = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var history = all.Where(s => s.HasTag(app.Tag) && (requiredTag is null || s.HasTag(requiredTag)) && (filter is null || filter.Matches(s)))
            .OrderBy(s => s.Time.ToDateTimeOffset()).ToList();
        var what = requiredTag is null ? $"app {app.Name}" : $"app {app.Name} tagged {requiredTag}";
        if (filter is { IsEmpty: false }) what += " for the given host, path or tag filter";
        if (history.Count == 0) throw new StackException($"there is no snapshot of {what} in the repository");
        if (snapshot is not null && snapshot != "latest")
        {
            var matches = history.Where(s => s.Id.ToString().StartsWith(snapshot, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 0) throw new StackException($"snapshot {snapshot} is not a snapshot of {what}; see `lifeboat snapshots {app.Name}`");
            if (matches.Count > 1) throw new StackException($"snapshot ID {snapshot} is ambiguous: give more of it");
            return matches[0];
        }
        if (snapshot is null && at is { } limit)
        {
            return history.LastOrDefault(s => s.Time.ToDateTimeOffset() <= limit)
                ?? throw new StackException($"there is no snapshot of {what} at or before {limit.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz}; the oldest is of {history[0].Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss zzz}");
        }
        return history[^1];
    }

    /// <summary>An --at time as people type it (<see cref="Reading.AtTimeParser"/>), in the local time zone.</summary>
    public static DateTimeOffset ParseTime(string text) => Reading.AtTimeParser.Parse(text, DateTimeOffset.Now, TimeZoneInfo.Local);

    /// <summary>
    /// The user's --path selection, cleaned: absolute paths inside the app's paths; an error naming a path outside them.
    /// Empty means all of the app's paths.
    /// </summary>
    public static IReadOnlyList<string> CheckSelection(AppConfig app, IReadOnlyList<string> paths)
    {
        var selection = new List<string>();
        foreach (var given in paths)
        {
            if (!given.StartsWith('/'))
                throw new StackException($"--path {given} is not absolute: give the original absolute path, e.g. {app.Paths[0]}/...");
            var path = Clean(given);
            if (!app.Paths.Any(p => IsInside(path, p)))
                throw new StackException($"--path {given} is not inside the paths of app {app.Name} ({string.Join(", ", app.Paths)})");
            if (!selection.Contains(path)) selection.Add(path);
        }
        return selection;
    }

    /// <summary>Restores the app's snapshot (or the selection in it) into <paramref name="target"/>: target/&lt;original path&gt;.</summary>
    public async Task<AppRestoreResult> RestoreToDirectoryAsync(AppConfig app, Snapshot snapshot, IReadOnlyList<string> selection,
        string target, CancellationToken cancellationToken)
    {
        await RequireInSnapshotAsync(snapshot, selection, cancellationToken).ConfigureAwait(false);
        var errors = new ItemErrors(app, _observer);
        var restorer = new Restorer(_repository, new RestoreOptions
        {
            Target = target,
            Includes = selection.Select(StackBackup.EscapePattern).ToList(),
        }, errors);
        await restorer.RunAsync(snapshot.Tree, cancellationToken).ConfigureAwait(false);
        if (errors.Count > 0)
            throw new StackException($"{app.Name}: {errors.Count} item{(errors.Count == 1 ? "" : "s")} could not be restored to {target} (first: {errors.First})");
        var roots = selection.Count > 0 ? selection : app.Paths;
        return new AppRestoreResult
        {
            App = app.Name, Snapshot = snapshot, Destinations = roots.Select(p => Under(target, p)).ToList(),
            Items = restorer.Statistics.TotalFiles, Bytes = restorer.Statistics.TotalBytes,
        };
    }

    /// <summary>
    /// Restores in place: the app's running containers are stopped, the selection is restored beside its destination
    /// and renamed into place, and the containers are started again (always, also on failure or cancellation).
    /// </summary>
    public Task<AppRestoreResult> RestoreInPlaceAsync(AppConfig app, Snapshot snapshot, IReadOnlyList<string> selection,
        bool delete, CancellationToken cancellationToken) =>
        RestoreInPlaceAsync(app, snapshot, selection, delete, null, cancellationToken);

    /// <inheritdoc cref="RestoreInPlaceAsync(AppConfig, Snapshot, IReadOnlyList{string}, bool, CancellationToken)"/>
    /// <param name="dumps">
    /// The snapshot's dumps to load once the files are in place and the containers run again (inside the app's restore
    /// hooks), or without the files (<see cref="DumpPlan.RestoresFiles"/> false); null restores the files only. A
    /// failing load is in the result's <see cref="AppRestoreResult.Dumps"/>; the files stay restored.
    /// </param>
    public async Task<AppRestoreResult> RestoreInPlaceAsync(AppConfig app, Snapshot snapshot, IReadOnlyList<string> selection,
        bool delete, DumpPlan? dumps, CancellationToken cancellationToken)
    {
        await RequireInSnapshotAsync(snapshot, selection, cancellationToken).ConfigureAwait(false);
        return await Hooks.AroundAppAsync(app, snapshot, async hooked =>
        {
            var result = dumps is { RestoresFiles: false }
                ? new AppRestoreResult { App = app.Name, Snapshot = snapshot, Destinations = [], FilesRestored = false }
                : app.Containers.Count == 0
                    ? await PlaceAsync(app, snapshot, selection, delete, null, hooked).ConfigureAwait(false)
                    : await StoppedContainers.RunAsync(_containers.Value, app.Containers,
                        ct => PlaceAsync(app, snapshot, selection, delete, null, ct), message => _observer?.AppEvent(app, message), hooked,
                        journal: StopLog is null ? null : new ContainerStopJournal(StopLog, _containers.Value, app.Name, message => _observer?.AppEvent(app, message))).ConfigureAwait(false);
            return await LoadDumpsAsync(app, result, dumps, hooked).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The dumps of the plan loaded into their databases, after the files; the containers the restore just started
    /// again get time to accept connections.
    /// </summary>
    private async Task<AppRestoreResult> LoadDumpsAsync(AppConfig app, AppRestoreResult result, DumpPlan? dumps, CancellationToken cancellationToken)
    {
        if (dumps is null) return result;
        foreach (var skipped in dumps.Skipped) _observer?.AppEvent(app, skipped);
        if (dumps.Loads.Count == 0) return result;
        var restarted = result.FilesRestored ? app.Containers : [];
        var loaded = await DumpLoader(app).LoadAsync(app, dumps.Loads, restarted, cancellationToken).ConfigureAwait(false);
        return result with { Dumps = loaded };
    }

    /// <summary>
    /// Restores an app's whole snapshot to its original paths, or each original path P to targetRoot/P; containers are
    /// not touched (a rebuilt machine's stack is started by its owner). The caller checks the destinations first. The
    /// app's restore hooks run around a rebuild to the original paths, not around a rehearsal under targetRoot.
    /// </summary>
    /// <param name="replaceDatabases">
    /// Load the snapshot's dumps after the files (rebuild's --replace-databases), each whose container runs (or on the
    /// host); the others are <see cref="DumpLoadOutcome.Deferred"/> with the command to run once the containers are up.
    /// A rehearsal under <paramref name="targetRoot"/> loads none.
    /// </param>
    public async Task<AppRestoreResult> RebuildAppAsync(AppConfig app, Snapshot snapshot, string? targetRoot, bool replaceDatabases,
        CancellationToken cancellationToken, bool delete = false)
    {
        if (targetRoot is not null) return await PlaceAsync(app, snapshot, [], delete, targetRoot, cancellationToken).ConfigureAwait(false);
        var dumps = await SnapshotDumps.FindAsync(_repository, app, snapshot, cancellationToken).ConfigureAwait(false);
        return await Hooks.AroundAppAsync(app, snapshot, async ct =>
        {
            var result = await PlaceAsync(app, snapshot, [], delete, null, ct).ConfigureAwait(false);
            if (!dumps.Any) return result;
            foreach (var skipped in dumps.Skipped) _observer?.AppEvent(app, skipped);
            var later = $"lifeboat restore {app.Name} --snapshot {snapshot.Id.ToShortString()} --dumps-only --replace-databases";
            var ready = new List<DumpLoad>();
            var deferred = new List<DumpLoadResult>();
            foreach (var file in dumps.Files)
            {
                var load = new DumpLoad(file, null);
                var waiting = !replaceDatabases ? "(rebuild loads dumps with --replace-databases); to load it"
                    : file.Entry.Container is { } container ? await NotRunningAsync(container, ct).ConfigureAwait(false) : null;
                if (waiting is null) ready.Add(load);
                else deferred.Add(new DumpLoadResult { Load = load, Outcome = DumpLoadOutcome.Deferred, Bytes = (long)file.Node.Size, Message = $"dump {file.Display} not loaded {waiting}: {later}" });
            }
            var loaded = ready.Count == 0 ? []
                : await DumpLoader(app).LoadAsync(app, ready, [], ct).ConfigureAwait(false);
            return result with { Dumps = [.. loaded, .. deferred] };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Why a dump cannot be loaded into <paramref name="container"/> now; null when it runs.</summary>
    private async Task<string?> NotRunningAsync(string container, CancellationToken cancellationToken)
    {
        try
        {
            var state = await _containers.Value.InspectAsync(container, cancellationToken).ConfigureAwait(false);
            return state.Running ? null : state.Exists ? $"(container {container} is not running); once it runs" : $"(there is no container {container} yet); once it runs";
        }
        catch (ContainerControlException e)
        {
            return $"(container {container} could not be looked at: {e.Message}); once it runs";
        }
    }

    /// <summary>The destinations of the apps' paths that already hold something (a file, or a directory that is not empty).</summary>
    public static List<string> DestinationsWithContent(IEnumerable<AppConfig> apps, string? targetRoot)
    {
        var occupied = new List<string>();
        foreach (var path in apps.SelectMany(a => a.Paths))
        {
            var destination = Under(targetRoot, path);
            if (!Posix.TryLStat(destination, out var status, out _)) continue;
            if (!status.IsDirectory || Posix.ListDirectory(destination).Count > 0) occupied.Add(destination);
        }
        return occupied;
    }

    private async Task RequireInSnapshotAsync(Snapshot snapshot, IReadOnlyList<string> selection, CancellationToken cancellationToken)
    {
        foreach (var path in selection)
            if (await _repository.FindNodeAsync(snapshot.Tree, path, cancellationToken).ConfigureAwait(false) is null)
                throw new StackException($"{path} is not in snapshot {snapshot.Id.ToShortString()} (of {snapshot.Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss})");
    }

    /// <summary>Stages every path of the app (or of the selection) first, then places them all; any failure undoes all.</summary>
    private async Task<AppRestoreResult> PlaceAsync(AppConfig app, Snapshot snapshot, IReadOnlyList<string> selection, bool delete,
        string? targetRoot, CancellationToken cancellationToken)
    {
        using var placement = new StagedPlacement { BeforeRenameIntoPlace = BeforeRenameIntoPlace };
        Progress.Start(app.Name);
        var stages = new List<Stage>();
        var createdAncestors = new List<(string Path, Node Node)>();
        long items = 0, bytes = 0;
        var errors = new ItemErrors(app, _observer);
        try
        {
            foreach (var path in app.Paths)
            {
                var selected = selection.Where(s => IsInside(s, path)).ToList();
                if (selection.Count > 0 && selected.Count == 0) continue;
                var node = await _repository.FindNodeAsync(snapshot.Tree, path, cancellationToken).ConfigureAwait(false)
                    ?? throw new StackException($"{path} is not in snapshot {snapshot.Id.ToShortString()} of app {app.Name} (the app's paths changed since)");
                var destination = Under(targetRoot, path);
                var originalParent = ParentOf(path);
                await EnsureAncestorsAsync(snapshot, originalParent, targetRoot, createdAncestors, cancellationToken).ConfigureAwait(false);

                var stage = new Stage(path, destination, StagingParentFor(destination), placement);
                stages.Add(stage);
                // the path's node itself, with its own metadata, staged under the destination's name; the selection
                // (paths in the snapshot) limits what is restored below it
                var restorer = new Restorer(_repository, new RestoreOptions { Includes = selected.Select(StackBackup.EscapePattern).ToList() }, errors);
                Progress.Restoring(restorer.Statistics);
                await restorer.RestoreNodeAsync(node, path, stage.Staged, cancellationToken).ConfigureAwait(false);
                items += restorer.Statistics.TotalFiles;
                bytes += restorer.Statistics.TotalBytes;
            }
            if (errors.Count > 0)
                throw new StackException($"{app.Name}: {errors.Count} item{(errors.Count == 1 ? "" : "s")} could not be restored (first: {errors.First}); nothing in place was changed");
            var keep = KeptByDeletion(app, targetRoot);
            RefuseNestedMounts(app, stages, delete, keep);
            cancellationToken.ThrowIfCancellationRequested(); // the last point where a cancellation changes nothing

            try
            {
                Progress.Placing(() => placement.Placed);
                if (stages.Count > 0) placement.BeginJournal(stages[0].Trash, app.Name);
                foreach (var stage in stages)
                {
                    if (!Posix.TryLStat(stage.Staged, out _, out _)) continue; // e.g. an empty selection of sockets
                    placement.Place(stage.Staged, stage.Destination, stage.Trash,
                        destination => selection.Count == 0 || selection.Contains(Original(targetRoot, destination)), delete, keep);
                }
                placement.Complete();
            }
            catch (Exception e)
            {
                // whatever went wrong (a rename refused, a bug), the files go back to how they were
                var notUndone = placement.Undo();
                if (notUndone.Count > 0)
                {
                    foreach (var stage in stages) stage.KeepTrash = true;
                    throw new StackException($"{app.Name}: the restore failed while moving files into place ({e.Message}), and {notUndone.Count} item{(notUndone.Count == 1 ? "" : "s")} could not be put back ({notUndone.First[0]}); what was replaced is in {string.Join(", ", stages.SelectMany(s => new[] { s.Staging, s.Trash }))}", e);
                }
                throw new StackException($"{app.Name}: the restore failed while moving files into place ({e.Message}); everything was put back as it was", e);
            }
            return new AppRestoreResult
            {
                App = app.Name, Snapshot = snapshot, Destinations = stages.Select(s => s.Destination).ToList(),
                Items = items, Bytes = bytes, Removed = placement.Removed, StaleSqliteFiles = placement.StaleSqliteFiles,
            };
        }
        finally
        {
            Progress.Enter(StackRestorePhase.RemovingTrash);
            // last made first: each stage puts back the times its parent had before that stage's directories
            foreach (var stage in Enumerable.Reverse(stages))
                foreach (var leftover in stage.Finish())
                    _observer?.AppEvent(app, leftover);
            // created last-to-first, so a parent's time is set after its children stopped changing
            for (int i = createdAncestors.Count - 1; i >= 0; i--)
            {
                var (path, node) = createdAncestors[i];
                try
                {
                    Posix.SetTimes(path, ToTimespec(node.AccessTime), ToTimespec(node.ModTime));
                }
                catch (PosixException) { }
            }
        }
    }

    /// <summary>
    /// The directories above a destination that do not exist yet are made with the snapshot's mode and owner (their
    /// times are set at the end); the target root itself, private.
    /// </summary>
    private async Task EnsureAncestorsAsync(Snapshot snapshot, string originalDirectory, string? targetRoot, List<(string, Node)> created,
        CancellationToken cancellationToken)
    {
        if (targetRoot is not null && !Posix.TryLStat(targetRoot, out _, out _)) Posix.MakeDirectories(targetRoot, 0x1ED /* 0755 */);
        var parts = originalDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var original = "";
        foreach (var part in parts)
        {
            original += "/" + part;
            var destination = Under(targetRoot, original);
            if (Posix.TryLStat(destination, out _, out _)) continue;
            var node = await _repository.FindNodeAsync(snapshot.Tree, original, cancellationToken).ConfigureAwait(false);
            Posix.MakeDirectory(destination, 0x1C0 /* 0700 */);
            if (node is null) continue;
            if (Posix.GetUid() == 0) Posix.LChown(destination, node.Uid, node.Gid);
            Posix.Chmod(destination, GoFileMode.ToPosixPermissions(node.Mode));
            created.Add((destination, node));
        }
    }

    /// <summary>
    /// Beside the destination, in its parent; but inside the destination when that is a mount point (its content
    /// would be on another file system than its parent, and renames cannot cross file systems).
    /// </summary>
    internal static string StagingParentFor(string destination)
    {
        var parent = ParentOf(destination);
        if (Posix.TryLStat(destination, out var status, out _) && status.IsDirectory
            && Posix.TryLStat(parent, out var parentStatus, out _) && parentStatus.Device != status.Device)
            return destination;
        return parent;
    }

    /// <summary>
    /// Restored files reach their place by renames from a staging directory on the destination's file system, which
    /// cannot cross into another file system mounted below it: when the snapshot has content there (the mount was not
    /// mounted, or was crossed, at backup time), the restore is refused before anything in place is changed, naming the
    /// mount. A mount the snapshot leaves empty (an excluded tmpfs) is no obstacle: nothing is placed into it, and with
    /// --delete nothing is moved out of it as long as the app's excludes keep it.
    /// </summary>
    private static void RefuseNestedMounts(AppConfig app, List<Stage> stages, bool delete, Func<string, FileStatus, bool> keep)
    {
        IReadOnlyList<string>? points = null;
        foreach (var stage in stages)
        {
            points ??= MountPoints.List();
            foreach (var mount in MountPoints.Below(stage.Destination, points))
            {
                var staged = stage.Staged + mount[stage.Destination.Length..];
                if (delete && Posix.TryLStat(mount, out var live, out _) && !keep(mount, live))
                    throw new StackException($"{app.Name}: {mount} is a mount point (another file system) inside {stage.Destination}, and --delete would move " +
                        $"what the snapshot lacks there across it; nothing was changed. Exclude it in the app's exclude: list, restore without --delete, or unmount it first");
                if (!Posix.TryLStat(staged, out var status, out _)) continue;
                if (status.IsDirectory && Posix.ListDirectory(staged).Count == 0) continue;
                throw new StackException($"{app.Name}: {mount} is a mount point (another file system) inside {stage.Destination}, and the snapshot has files " +
                    $"there that an in-place restore cannot move across it; nothing was changed. Restore to a directory (--target DIR) and copy them over, or unmount it first");
            }
        }
    }

    /// <summary>The app's excludes and the never paths: what the snapshot cannot have, so deletion leaves it alone.</summary>
    private Func<string, FileStatus, bool> KeptByDeletion(AppConfig app, string? targetRoot)
    {
        var rules = new ExcludeRules();
        foreach (var pattern in app.Exclude) rules.AddPattern(pattern);
        foreach (var never in _config.Never) rules.AddPattern(StackBackup.EscapePattern(never));
        return (destination, status) => rules.IsExcluded(Original(targetRoot, destination), status);
    }

    private static string Under(string? root, string path) => root is null ? path : root.TrimEnd('/') + path;

    private static string Original(string? root, string destination) => root is null ? destination : destination[root.TrimEnd('/').Length..];

    private static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    internal static bool IsInside(string path, string root) =>
        path == root || root == "/" || path.StartsWith(root + "/", StringComparison.Ordinal);

    private static string ParentOf(string path)
    {
        int slash = path.TrimEnd('/').LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private static Timespec ToTimespec(GoTime t) => new(t.UnixSeconds, t.Nanoseconds);

    /// <summary>One app path on its way into place: its staging and trash directories, removed at the end.</summary>
    private sealed class Stage
    {
        private readonly string _parent;
        private readonly FileStatus _parentBefore;

        public Stage(string original, string destination, string parent, StagedPlacement placement)
        {
            Original = original;
            Destination = destination;
            _parent = parent;
            _parentBefore = Posix.LStat(parent);
            Staging = placement.MakeOwnDirectory(parent, StagedPlacement.StagingPrefix);
            Trash = placement.MakeOwnDirectory(parent, StagedPlacement.TrashPrefix);
        }

        public string Original { get; }
        public string Destination { get; }
        public string Staging { get; }
        /// <summary>Where the restored item waits in <see cref="Staging"/>: under its destination's name.</summary>
        public string Staged => FsNames.Join(Staging, Destination[(Destination.LastIndexOf('/') + 1)..]);
        public string Trash { get; }
        /// <summary>Set when the undo could not put everything back: the trash and staging directories hold what the user still needs (a swapped file's old copy is at its staged path).</summary>
        public bool KeepTrash { get; set; }

        /// <summary>Removes the staging and trash directories; returns a message for each that could not be removed.</summary>
        public IEnumerable<string> Finish()
        {
            // the parent's times as they should be: before the staging was made, or as the merge just set them
            var times = _parent == Destination && Posix.TryLStat(_parent, out var merged, out _) ? merged : _parentBefore;
            var messages = new List<string>();
            foreach (var directory in KeepTrash ? [] : new[] { Staging, Trash })
            {
                try
                {
                    // the staging directory holds the replaced files (swapped out to the staged paths), or the trash
                    // their links: their unlinks overlap (a flat 20,000-file trash took 7.6-9.6 s one by one, 4.6-6.4 s
                    // eight at a time, on this project's loaded 2-core machine)
                    FileTrees.Remove(directory, parallelism: 8);
                }
                catch (PosixException e)
                {
                    messages.Add($"could not remove {directory}: {e.Message}; remove it by hand");
                }
            }
            try
            {
                Posix.SetTimes(_parent, times.AccessTime, times.ModTime);
            }
            catch (PosixException) { }
            return messages;
        }

    }

    private sealed class ItemErrors(AppConfig app, IStackRestoreObserver? observer) : IRestoreObserver
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);
        public string? First { get; private set; }

        public void ItemError(string path, Exception error)
        {
            if (Interlocked.Increment(ref _count) == 1) First = $"{path}: {error.Message}";
            observer?.ItemError(app, path, error);
        }
    }
}
