using System.Text.Json;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Stack;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Dumps;
using Lifeboat.Stack.Hosting;
using Lifeboat.Stack.Operations;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.State;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Dashboard;

/// <summary>
/// The page's actions: back up (one app or all), verify, restore a path to a directory and restore an app in place.
/// Each is checked here, on the server, then queued as a job with the daemon's (never run in the request) and runs as
/// the same `lifeboat` command would; its progress and log reach the page as events (<see cref="DashboardJobs"/>).
/// Also the recent jobs and a finished job's stored log.
/// </summary>
public sealed class DashboardActions(DashboardSettings settings, SnapshotBrowser browser, SharedRepository shared)
{
    private DashboardJobs Jobs => settings.Jobs ?? throw new BrowseException(StatusCodes.Status404NotFound, "jobs cannot be started here");

    /// <summary>POST /api/apps/{app}/backup.</summary>
    public Task BackUpAsync(HttpContext context) => QueueAsync(context, JobKind.Backup, [browser.App(context).Name], [], "a backup of {0} is already waiting to run");

    /// <summary>POST /api/backup: every app, as `lifeboat backup`.</summary>
    public Task BackUpAllAsync(HttpContext context) => QueueAsync(context, JobKind.Backup, [], [], "a backup of every app is already waiting to run");

    /// <summary>POST /api/apps/{app}/verify: the app's restore test, as `lifeboat verify APP`.</summary>
    public Task VerifyAsync(HttpContext context) => QueueAsync(context, JobKind.Verify, [browser.App(context).Name], [], "a restore test of {0} is already waiting to run");

    /// <summary>
    /// POST /api/apps/{app}/snapshots/{id}/restore {"path": "/a/b", "target": "/srv/restored"}: the path (or the
    /// whole snapshot for "/") into the target as restic lays it out (target/&lt;original path&gt;), as
    /// `lifeboat restore APP --snapshot ID --path P --target DIR`.
    /// </summary>
    public async Task RestorePathAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var app = browser.App(context);
        using var body = await ReadBodyAsync(context).ConfigureAwait(false);
        var path = SnapshotBrowser.CheckedPath(Text(body, "path") ?? "/");
        var target = Text(body, "target") ?? throw new BrowseException(StatusCodes.Status400BadRequest, "give the directory to restore into (\"target\")");
        var config = settings.Access.StackConfig!;
        List<string> selection;
        try
        {
            selection = path == "/" ? [] : [.. StackRestore.CheckSelection(app, [path])];
        }
        catch (StackException e)
        {
            throw new BrowseException(StatusCodes.Status400BadRequest, e.Message.Replace("--path ", "", StringComparison.Ordinal));
        }
        var checkedTarget = RestoreTarget.Check(target, config, StateDirectory.Default());
        var snapshot = await ChooseAsync(context, app, path, ct).ConfigureAwait(false);
        List<string> options = ["--snapshot", snapshot.Id.ToString(), .. selection.SelectMany(p => new[] { "--path", p }), "--target", checkedTarget];
        await QueueAsync(context, JobKind.Restore, [app.Name], options, "the same restore of {0} is already waiting to run", w =>
        {
            w.WriteString("target", checkedTarget);
            w.WriteString("restoredAt", checkedTarget + (path == "/" ? "" : path));
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// GET /api/apps/{app}/snapshots/{id}/restore-plan: what restoring it in place replaces: the app's paths, the
    /// containers stopped meanwhile, and the snapshot's database dumps (then the page asks which of the three choices).
    /// </summary>
    public async Task RestorePlanAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var app = browser.App(context);
        var (snapshot, dumps) = await SnapshotAndDumpsAsync(context, app, ct).ConfigureAwait(false);
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("app", app.Name);
            w.WriteString("snapshot", snapshot.Id.ToShortString());
            JsonResponse.WriteTime(w, "time", snapshot.Time.ToDateTimeOffset());
            Strings(w, "paths", app.Paths);
            Strings(w, "containers", app.Containers);
            Strings(w, "dumps", dumps.Files.Select(f => f.Display));
            Strings(w, "skippedDumps", dumps.Skipped);
            w.WriteBoolean("asksDumps", dumps.Any);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// POST /api/apps/{app}/snapshots/{id}/restore-in-place {"confirm": APP, "dumps": "replace"|"dumps-only"|"files-only"}:
    /// `lifeboat restore APP --snapshot ID` with the dumps choice, only when confirm is the app's name.
    /// </summary>
    public async Task RestoreInPlaceAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var app = browser.App(context);
        using var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (Text(body, "confirm") != app.Name)
            throw new BrowseException(StatusCodes.Status400BadRequest, $"type the app's name, {app.Name}, to confirm that its live files are replaced");
        var (snapshot, dumps) = await SnapshotAndDumpsAsync(context, app, ct).ConfigureAwait(false);
        string[] dumpOptions = Text(body, "dumps") switch
        {
            "replace" => ["--replace-databases"],
            "dumps-only" => ["--dumps-only", "--replace-databases"],
            "files-only" => ["--no-dumps"],
            null when !dumps.Any => [],
            null => throw new BrowseException(StatusCodes.Status400BadRequest,
                $"snapshot {snapshot.Id.ToShortString()} holds database dumps: choose to replace the databases too, to load the dumps only, or to restore the files only"),
            var other => throw new BrowseException(StatusCodes.Status400BadRequest, $"\"{other}\" is not a choice: replace, dumps-only or files-only"),
        };
        if (!dumps.Any && dumpOptions is ["--dumps-only", ..])
            throw new BrowseException(StatusCodes.Status400BadRequest, $"snapshot {snapshot.Id.ToShortString()} holds no database dumps to load");
        await QueueAsync(context, JobKind.Restore, [app.Name], ["--snapshot", snapshot.Id.ToString(), .. dumps.Any ? dumpOptions : []],
            "the same restore of {0} is already waiting to run").ConfigureAwait(false);
    }

    /// <summary>GET /api/jobs: the stack's recent job runs from the run history, newest first, and the running one's ID.</summary>
    public Task RecentAsync(HttpContext context)
    {
        var jobs = Jobs;
        var runs = jobs.History?.Recent(30) ?? [];
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            if (jobs.RunningId is { } running) w.WriteString("running", running.ToString());
            w.WriteStartArray("jobs");
            foreach (var run in runs)
            {
                w.WriteStartObject();
                w.WriteString("id", run.Id.ToString());
                w.WriteString("job", run.Job);
                Strings(w, "apps", run.Apps);
                w.WriteString("trigger", run.Trigger);
                JsonResponse.WriteTime(w, "started", run.StartedAt);
                JsonResponse.WriteTime(w, "finished", run.FinishedAt);
                if (run.Outcome is { } outcome) w.WriteString("outcome", outcome.ToString().ToLowerInvariant());
                if (run.ExitCode is { } exit) w.WriteNumber("exitCode", exit);
                if (run.Summary is { } summary) w.WriteString("summary", JsonResponse.Text(summary));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>GET /api/jobs/{id}/log: a finished run's stored log (its last lines) as text.</summary>
    public async Task LogAsync(HttpContext context)
    {
        var history = Jobs.History ?? throw new BrowseException(StatusCodes.Status404NotFound, "no run history here");
        if (!Guid.TryParse((string)context.Request.RouteValues["id"]!, out var id)) throw new BrowseException(StatusCodes.Status400BadRequest, "not a job ID");
        var log = history.Log(id) ?? throw new BrowseException(StatusCodes.Status404NotFound, "no stored log for that job (it is running, or unknown here)");
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(JsonResponse.Text(log), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task QueueAsync(HttpContext context, JobKind kind, IReadOnlyList<string> apps, IReadOnlyList<string> options, string waiting,
        Action<Utf8JsonWriter>? more = null)
    {
        if (!Jobs.Queue(kind, apps, options))
        {
            await JsonResponse.ErrorAsync(context, StatusCodes.Status409Conflict, string.Format(System.Globalization.CultureInfo.InvariantCulture, waiting, string.Join(", ", apps))).ConfigureAwait(false);
            return;
        }
        await JsonResponse.WriteAsync(context, StatusCodes.Status202Accepted, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("queued", true);
            w.WriteString("job", kind.ToString().ToLowerInvariant());
            Strings(w, "apps", apps);
            more?.Invoke(w);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>The app's snapshot of the route, and the path in it (unless "/"), which must be there.</summary>
    private async Task<Snapshot> ChooseAsync(HttpContext context, AppConfig app, string path, CancellationToken ct)
    {
        await using var lease = await shared.AcquireAsync(ct).ConfigureAwait(false);
        var repository = lease.Repository;
        var snapshot = await SnapshotBrowser.SnapshotAsync(repository, app, context, ct).ConfigureAwait(false);
        if (path != "/" && await repository.FindNodeAsync(snapshot.Tree, path, ct).ConfigureAwait(false) is null) throw SnapshotBrowser.NotFound(path, snapshot);
        return snapshot;
    }

    private async Task<(Snapshot Snapshot, SnapshotDumps Dumps)> SnapshotAndDumpsAsync(HttpContext context, AppConfig app, CancellationToken ct)
    {
        await using var lease = await shared.AcquireAsync(ct).ConfigureAwait(false);
        var repository = lease.Repository;
        var snapshot = await SnapshotBrowser.SnapshotAsync(repository, app, context, ct).ConfigureAwait(false);
        return (snapshot, await SnapshotDumps.FindAsync(repository, app, snapshot, ct).ConfigureAwait(false));
    }

    /// <summary>A small JSON object body (at most 16 KiB); a 400 when it is not one.</summary>
    public static async Task<JsonDocument> ReadBodyAsync(HttpContext context, int limit = 16 * 1024)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit;
        try
        {
            var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
            document.Dispose();
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException)
        {
        }
        throw new BrowseException(StatusCodes.Status400BadRequest, "send a JSON object");
    }

    /// <summary>A string member of the body, or null.</summary>
    public static string? Text(JsonDocument body, string name) =>
        body.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values) w.WriteStringValue(JsonResponse.Text(value));
        w.WriteEndArray();
    }
}
