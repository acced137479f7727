using System.Text.Json;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Repository;
using Lifeboat.Stack;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Hosting;
using Lifeboat.Stack.Reading;
using Lifeboat.Stack.Scenarios;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Dashboard;

/// <summary>
/// Browsing an app's snapshots: the list, one directory at a time (one tree loaded per request, whatever the snapshot
/// holds), a file's bytes and a directory as .tar, both streamed from the repository as they are read. Only the apps
/// of lifeboat.yaml and only their own snapshots can be reached: another app's snapshot ID is not found.
/// </summary>
public sealed class SnapshotBrowser(DashboardSettings settings, SharedRepository shared)
{
    /// <summary>GET /api/apps: the apps of lifeboat.yaml, in its order (what the pickers offer; no repository read).</summary>
    public Task AppsAsync(HttpContext context)
    {
        var config = settings.Access.StackConfig ?? throw new BrowseException(StatusCodes.Status500InternalServerError, "no lifeboat.yaml");
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            WriteStrings(w, "apps", config.Apps.Select(a => a.Name));
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// GET /api/apps/{app}/snapshots: newest first, with the run recorded for each (files, data added) and, when the
    /// app has a retention policy, what `lifeboat forget` would do with each (keep with restic's reasons, or remove):
    /// the same plan, computed and shown, nothing changed.
    /// </summary>
    public async Task SnapshotsAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var app = App(context);
        var config = settings.Access.StackConfig!;
        await using var lease = await shared.AcquireAsync(ct).ConfigureAwait(false);
        var repository = lease.Repository;
        var policy = config.RetentionFor(app);
        List<Snapshot> snapshots;
        Dictionary<Id, IReadOnlyList<string>>? kept = null;
        if (policy is not null)
        {
            var plan = (await StackForget.PlanAsync(repository, config, [app], null, StackForget.DefaultGrouping, new SnapshotFilter(), ct).ConfigureAwait(false))[0];
            snapshots = plan.Groups.SelectMany(g => g.Decision.Keep.Concat(g.Decision.Remove)).ToList();
            kept = plan.Groups.SelectMany(g => g.Decision.Keep).ToDictionary(s => s.Id, s => (IReadOnlyList<string>)[]);
            foreach (var reason in plan.Groups.SelectMany(g => g.Decision.Reasons)) kept[reason.Snapshot.Id] = reason.Matches;
        }
        else snapshots = (await StackSnapshots.ListAsync(repository, [app], ct).ConfigureAwait(false))[0].Snapshots.ToList();
        snapshots = snapshots.OrderByDescending(s => s.Time.ToDateTimeOffset()).ToList();
        var runs = new BackupRunLog(repository.Config.Id).ReadAll()
            .Where(r => r.App == app.Name && r.SnapshotId is not null).GroupBy(r => r.SnapshotId!).ToDictionary(g => g.Key, g => g.Last());
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("app", app.Name);
            if (policy is not null) w.WriteString("retention", policy.ToString());
            w.WriteStartArray("snapshots");
            foreach (var snapshot in snapshots)
            {
                w.WriteStartObject();
                w.WriteString("id", snapshot.Id.ToString());
                w.WriteString("shortId", snapshot.Id.ToShortString());
                JsonResponse.WriteTime(w, "time", snapshot.Time.ToDateTimeOffset());
                w.WriteString("host", snapshot.Hostname ?? "");
                WriteStrings(w, "tags", snapshot.Tags ?? []);
                WriteStrings(w, "paths", snapshot.Paths ?? []);
                // a snapshot whose tags were changed is a new one that names the run's as its original
                if (runs.TryGetValue(snapshot.Id.ToString(), out var run) || (snapshot.Original is { } original && runs.TryGetValue(original.ToString(), out run)))
                {
                    if (run.Files is { } files) w.WriteNumber("files", files);
                    if (run.BytesAdded is { } added) w.WriteNumber("bytesAdded", added);
                }
                if (kept is not null)
                {
                    w.WriteBoolean("keep", kept.ContainsKey(snapshot.Id));
                    if (kept.TryGetValue(snapshot.Id, out var reasons)) WriteStrings(w, "reasons", reasons);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>GET /api/apps/{app}/snapshots/{id}/tree?path=/a/b: the directory's entries, one tree read.</summary>
    public async Task TreeAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var app = App(context);
        var path = RequestedPath(context);
        // reading only, as the doctor does: no lock written per click (a prune running meanwhile makes this one request
        // fail); the repository and its index shared with the other requests
        await using var lease = await shared.AcquireAsync(ct).ConfigureAwait(false);
        var repository = lease.Repository;
        var snapshot = await SnapshotAsync(repository, app, context, ct).ConfigureAwait(false);
        Id tree;
        if (path == "/") tree = snapshot.Tree;
        else
        {
            var node = await repository.FindNodeAsync(snapshot.Tree, path, ct).ConfigureAwait(false) ?? throw NotFound(path, snapshot);
            if (node.Type != NodeType.Dir || node.Subtree is not { } subtree) throw new BrowseException(StatusCodes.Status400BadRequest, $"{path} is a {node.Type}, not a directory");
            tree = subtree;
        }
        var entries = (await repository.LoadTreeAsync(tree, ct).ConfigureAwait(false)).Nodes;
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("snapshot", snapshot.Id.ToShortString());
            w.WriteString("path", JsonResponse.Text(path));
            w.WriteStartArray("entries");
            foreach (var node in entries)
            {
                w.WriteStartObject();
                w.WriteString("name", JsonResponse.Text(node.Name));
                w.WriteString("type", node.Type);
                w.WriteNumber("size", node.Size);
                JsonResponse.WriteTime(w, "mtime", node.ModTime.ToDateTimeOffset());
                w.WriteString("mode", GoFileMode.Format(node.Mode | GoFileMode.TypeBitsOf(node.Type)));
                w.WriteString("owner", $"{node.User ?? node.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{node.Group ?? node.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
                if (node.LinkTarget is { } target) w.WriteString("target", JsonResponse.Text(target));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>GET .../file?path=: the file's bytes, streamed one blob at a time under a shared lock.</summary>
    public async Task FileAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var app = App(context);
        var path = RequestedPath(context);
        await using var repository = await settings.Access.OpenRepositoryAsync(ct).ConfigureAwait(false);
        await using var repositoryLock = await settings.Access.LockAsync(repository, new LockRequest(Exclusive: false) { LoadIndex = true }, ct).ConfigureAwait(false);
        var snapshot = await SnapshotAsync(repository, app, context, ct).ConfigureAwait(false);
        var node = await repository.FindNodeAsync(snapshot.Tree, path, ct).ConfigureAwait(false) ?? throw NotFound(path, snapshot);
        if (node.Type != NodeType.File) throw new BrowseException(StatusCodes.Status400BadRequest, $"{path} is a {node.Type}, not a file (a directory downloads as .tar)");
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = checked((long)node.Size);
        context.Response.Headers.ContentDisposition = Attachment(node.Name);
        await using var content = new FileContentStream(repository, node, path);
        await StreamAsync(context, output => content.CopyToAsync(output, ct)).ConfigureAwait(false);
    }

    /// <summary>GET .../tar?path=: the directory as a pax tar archive, streamed (what `lifeboat dump` writes for it).</summary>
    public Task TarAsync(HttpContext context) => ArchiveAsync(context, ".tar", "application/x-tar", SnapshotTar.WriteAsync);

    /// <summary>GET .../zip?path=: the directory as a .zip, streamed (<see cref="SnapshotZip"/>).</summary>
    public Task ZipAsync(HttpContext context) => ArchiveAsync(context, ".zip", "application/zip", SnapshotZip.WriteAsync);

    private async Task ArchiveAsync(HttpContext context, string extension, string contentType, Func<Repository, Id, string, Stream, CancellationToken, Task> write)
    {
        var ct = context.RequestAborted;
        var app = App(context);
        var path = RequestedPath(context);
        await using var repository = await settings.Access.OpenRepositoryAsync(ct).ConfigureAwait(false);
        await using var repositoryLock = await settings.Access.LockAsync(repository, new LockRequest(Exclusive: false) { LoadIndex = true }, ct).ConfigureAwait(false);
        var snapshot = await SnapshotAsync(repository, app, context, ct).ConfigureAwait(false);
        Id tree;
        string name;
        if (path == "/")
        {
            tree = snapshot.Tree;
            name = "";
        }
        else
        {
            var node = await repository.FindNodeAsync(snapshot.Tree, path, ct).ConfigureAwait(false) ?? throw NotFound(path, snapshot);
            if (node.Type != NodeType.Dir || node.Subtree is not { } subtree) throw new BrowseException(StatusCodes.Status400BadRequest, $"{path} is a {node.Type}, not a directory");
            tree = subtree;
            name = node.Name;
        }
        context.Response.ContentType = contentType;
        context.Response.Headers.ContentDisposition = Attachment($"{(name.Length == 0 ? $"{app.Name}-{snapshot.Id.ToShortString()}" : name)}{extension}");
        await StreamAsync(context, output => write(repository, tree, name, output, ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// GET /api/apps/{app}/diff?from=ID&amp;to=ID: what changed between two of the app's snapshots, as `lifeboat diff`
    /// computes it (added "+", removed "-", content "M", type "T"), the first <see cref="DiffLimit"/> paths and the totals.
    /// </summary>
    public async Task DiffAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var app = App(context);
        await using var lease = await shared.AcquireAsync(ct).ConfigureAwait(false);
        var repository = lease.Repository;
        var from = await SnapshotAsync(repository, app, Query(context, "from"), ct).ConfigureAwait(false);
        var to = await SnapshotAsync(repository, app, Query(context, "to"), ct).ConfigureAwait(false);
        var changes = new List<DiffChange>();
        int total = 0;
        var diff = new DiffCalculator(repository, showMetadata: false, change =>
        {
            if (total++ < DiffLimit) changes.Add(change);
        });
        await diff.RunAsync(from, to, ct).ConfigureAwait(false);
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("from", from.Id.ToShortString());
            w.WriteString("to", to.Id.ToShortString());
            w.WriteNumber("total", total);
            w.WriteNumber("changedFiles", diff.ChangedFiles);
            WriteStat(w, "added", diff.Added);
            WriteStat(w, "removed", diff.Removed);
            w.WriteStartArray("changes");
            foreach (var change in changes)
            {
                w.WriteStartObject();
                w.WriteString("path", JsonResponse.Text(change.Path));
                w.WriteString("modifier", change.Modifier);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>How many changed paths a diff lists (the totals count them all).</summary>
    public const int DiffLimit = 5000;

    private static void WriteStat(Utf8JsonWriter w, string name, DiffStat stat)
    {
        w.WriteStartObject(name);
        w.WriteNumber("files", stat.Files);
        w.WriteNumber("dirs", stat.Dirs);
        w.WriteNumber("others", stat.Others);
        w.WriteNumber("bytes", stat.Bytes);
        w.WriteEndObject();
    }

    private static string Query(HttpContext context, string name) =>
        context.Request.Query[name].ToString() is { Length: > 0 } value ? value : throw new BrowseException(StatusCodes.Status400BadRequest, $"give ?{name}=SNAPSHOT");

    /// <summary>
    /// Sends a body whose status is already 200: an error part-way cannot become an error page any more, so the
    /// connection is cut and the browser shows a failed download, never a short file that looks whole.
    /// </summary>
    private static async Task StreamAsync(HttpContext context, Func<Stream, Task> write)
    {
        try
        {
            await write(context.Response.Body).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && context.Response.HasStarted)
        {
            context.Abort();
        }
    }

    internal AppConfig App(HttpContext context)
    {
        var name = (string)context.Request.RouteValues["app"]!;
        var config = settings.Access.StackConfig ?? throw new BrowseException(StatusCodes.Status500InternalServerError, "no lifeboat.yaml");
        return config.FindApp(name) ?? throw new BrowseException(StatusCodes.Status404NotFound, $"there is no app {name} in {config.File}");
    }

    /// <summary>The app's snapshot by its ID (or a prefix): another app's snapshot is not found.</summary>
    internal static Task<Snapshot> SnapshotAsync(Repository repository, AppConfig app, HttpContext context, CancellationToken ct) =>
        SnapshotAsync(repository, app, (string)context.Request.RouteValues["id"]!, ct);

    private static async Task<Snapshot> SnapshotAsync(Repository repository, AppConfig app, string id, CancellationToken ct)
    {
        if (!StackReading.IsSnapshotReference(id)) throw new BrowseException(StatusCodes.Status400BadRequest, $"\"{id}\" is not a snapshot ID");
        try
        {
            return await StackRestore.ChooseSnapshotAsync(repository, app, id, null, null, ct).ConfigureAwait(false);
        }
        catch (StackException e)
        {
            throw new BrowseException(StatusCodes.Status404NotFound, e.Message);
        }
    }

    /// <summary>?path=: absolute, "/" for the snapshot's root; no empty, "." or ".." segment.</summary>
    private static string RequestedPath(HttpContext context) => CheckedPath(context.Request.Query["path"].ToString());

    /// <summary>A path in a snapshot as given: absolute, "/" for the root; no empty, "." or ".." segment.</summary>
    internal static string CheckedPath(string path)
    {
        if (path.Length == 0 || path == "/") return "/";
        var parts = path.Split('/');
        if (parts[0].Length != 0 || parts.Skip(1).Any(p => p is "" or "." or ".."))
            throw new BrowseException(StatusCodes.Status400BadRequest, $"\"{path}\" is not an absolute path in the snapshot");
        return path;
    }

    internal static BrowseException NotFound(string path, Snapshot snapshot) =>
        new(StatusCodes.Status404NotFound, $"{path} is not in snapshot {StackReading.Describe(snapshot)}");

    /// <summary>attachment; filename="ascii"; filename*=UTF-8''percent-encoded (RFC 6266).</summary>
    private static string Attachment(string name)
    {
        var clean = JsonResponse.Text(name);
        var ascii = new string(clean.Select(c => c is >= ' ' and < '\x7f' and not '"' and not '\\' ? c : '_').ToArray());
        return $"attachment; filename=\"{ascii}\"; filename*=UTF-8''{Uri.EscapeDataString(clean)}";
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values) w.WriteStringValue(JsonResponse.Text(value));
        w.WriteEndArray();
    }
}
