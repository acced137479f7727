using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Stack;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Dumps;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>The options `restore` takes only in stack mode (its --path and --target are the restic-style ones, reused).</summary>
public sealed class StackRestoreOptions
{
    public readonly Option<string?> Snapshot = new("--snapshot") { Description = "with a lifeboat.yaml: the app's snapshot to restore, an ID or \"latest\" (default: the newest, or the newest at or before --at)" };
    public readonly Option<string?> At = new("--at") { Description = "with a lifeboat.yaml: restore the newest snapshot at or before this time: " + StackReadOptions.AtForms };
    public readonly Option<bool> Delete = new("--delete") { Description = "with a lifeboat.yaml, in place: also remove files the snapshot does not have (moved aside until the restore has succeeded)" };
    public readonly Option<bool> ReplaceDatabases = new("--replace-databases") { Description = "with a lifeboat.yaml, in place: after the files, load the snapshot's database dumps, replacing what the databases hold" };
    public readonly Option<bool> DumpsOnly = new("--dumps-only") { Description = "with --replace-databases: load the snapshot's dumps only, leave the files alone" };
    public readonly Option<bool> NoDumps = new("--no-dumps") { Description = "with a lifeboat.yaml, in place: restore the files only, even when the snapshot holds database dumps" };
    public readonly Option<string[]> TargetDatabase = new("--target-database") { Description = "with --replace-databases: load the dump of database OLD into NEW (created when missing), as OLD=NEW, or NEW alone when the app has one database dump (can be specified multiple times)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Snapshot);
        command.Options.Add(At);
        command.Options.Add(Delete);
        command.Options.Add(ReplaceDatabases);
        command.Options.Add(DumpsOnly);
        command.Options.Add(NoDumps);
        command.Options.Add(TargetDatabase);
    }

    /// <summary>Outside stack mode these options mean nothing: say so instead of ignoring them.</summary>
    public void RejectOutsideStackMode(ParseResult parse, Option? allowed = null)
    {
        foreach (var option in new Option[] { Snapshot, At, Delete, ReplaceDatabases, DumpsOnly, NoDumps, TargetDatabase })
            if (option != allowed && parse.GetResult(option) is { Implicit: false })
                throw new CliException($"{option.Name} needs a lifeboat.yaml (stack mode): `lifeboat restore APP {option.Name} ...` without -r");
    }

    /// <summary>The dump flags, checked on their own (<see cref="DumpRestoreChoice.From"/>).</summary>
    public DumpRestoreChoice DumpChoice(ParseResult parse) => DumpRestoreChoice.From(parse.GetValue(ReplaceDatabases), parse.GetValue(DumpsOnly),
        parse.GetValue(NoDumps), parse.GetValue(TargetDatabase) ?? []);
}

/// <summary>
/// `lifeboat restore APP [--snapshot ID|latest] [--at TIME] [--path P]... [--target DIR] [--delete]` in stack mode:
/// to DIR as restic lays it out, or (without --target) in place with the app's containers stopped. In place, a
/// snapshot with database dumps needs a choice: --replace-databases (the files, then the dumps loaded),
/// --dumps-only --replace-databases, or --no-dumps.
/// </summary>
public static class StackRestoreCommand
{
    public static async Task<int> RunAsync(CommandContext ctx, StackConfig config, string appName, string? target, IReadOnlyList<string> paths,
        StackRestoreOptions options, CancellationToken cancellationToken)
    {
        var parse = ctx.Parse;
        var app = config.SelectApps([appName])[0];
        var selection = StackRestore.CheckSelection(app, paths);
        bool delete = parse.GetValue(options.Delete);
        if (delete && target is not null) throw new CliException("--delete works only in place, not with --target");
        var snapshotSpec = parse.GetValue(options.Snapshot);
        DateTimeOffset? at = parse.GetValue(options.At) is { } text ? StackRestore.ParseTime(text) : null;
        if (snapshotSpec is not null && at is not null) throw new CliException("--snapshot and --at both choose the snapshot: give one of them");
        var choice = options.DumpChoice(parse);
        if (target is not null && (choice.Mode != DumpRestoreMode.Unchosen))
            throw new CliException($"--target restores the files elsewhere, the dump files with them (under {target.TrimEnd('/')}{DumpLayout.Root}), and loads no database: leave out the dump options, or restore in place");
        if (choice.Mode == DumpRestoreMode.DumpsOnly && (selection.Count > 0 || delete))
            throw new CliException($"--dumps-only leaves the files alone: leave out {(delete ? "--delete" : "--path")}");
        // a selection of files asks for those files: the dumps only when asked for
        if (selection.Count > 0 && choice.Mode == DumpRestoreMode.Unchosen) choice = choice with { Mode = DumpRestoreMode.FilesOnly };
        var stopLog = target is null ? await LeftStoppedContainers.RecoverAsync(ctx, [app], cancellationToken) : null;

        await using var repo = await ctx.OpenRepositoryAsync(cancellationToken);
        await using var repoLock = await ctx.LockAsync(repo, exclusive: false, cancellationToken, loadIndex: true);
        var snapshot = await StackRestore.ChooseSnapshotAsync(repo, app, snapshotSpec, at, null, cancellationToken);
        var restore = new StackRestore(repo, config, StackServices.ContainerControlFactory, new RestoreObserver(ctx)) { StopLog = stopLog };
        if (target is not null)
        {
            var result = await restore.RestoreToDirectoryAsync(app, snapshot, selection, Engine.Backup.Archiver.AbsolutePath(target), cancellationToken);
            Report(ctx, result, inPlace: false);
            return ExitCodes.Ok;
        }
        var dumps = await SnapshotDumps.FindAsync(repo, app, snapshot, cancellationToken);
        var plan = DumpPlan.Make(app, snapshot, dumps, choice);
        return await RestoreInPlaceAsync(ctx, restore, app, snapshot, selection, delete, cancellationToken, plan);
    }

    /// <summary>The in-place restore shared by `restore` and `rollback`.</summary>
    public static async Task<int> RestoreInPlaceAsync(CommandContext ctx, StackRestore restore, AppConfig app, Snapshot snapshot,
        IReadOnlyList<string> selection, bool delete, CancellationToken cancellationToken, DumpPlan? dumps = null)
    {
        var what = dumps is { RestoresFiles: false } ? "loading the dumps of snapshot" : "restoring snapshot";
        ctx.Info($"{app.Name}: {what} {Describe(snapshot)} in place{(selection.Count > 0 ? ": " + string.Join(", ", selection.Select(p => Display.Text(p))) : "")}");
        await restore.Hooks.BeforeAllAsync([app], cancellationToken);
        AppRestoreResult result;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rate = new ProgressRate();
        using (var progress = new ProgressLine(ctx.ShowProgress, () => Status(restore.Progress, clock.Elapsed, rate)))
        {
            if (restore.Observer is RestoreObserver observer) observer.Progress = progress;
            result = await restore.RestoreInPlaceAsync(app, snapshot, selection, delete, dumps, cancellationToken);
            if (restore.Observer is RestoreObserver done) done.Progress = null;
        }
        Report(ctx, result, inPlace: true);
        await restore.Hooks.AfterAllAsync([app], cancellationToken);
        return result.Dumps.Any(d => d.Failed) ? ExitCodes.Fatal : ExitCodes.Ok;
    }

    public static string Describe(Snapshot s) => $"{s.Id.ToShortString()} of {s.Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss}";

    /// <summary>"plex: restored 12 files/dirs (1.2 MiB) from snapshot 1a2b3c4d of 2024-05-01 03:00:00 to /mnt/plexdata".</summary>
    public static void Report(CommandContext ctx, AppRestoreResult result, bool inPlace)
    {
        if (ctx.Json)
        {
            JsonOutput.Line(w =>
            {
                w.WriteStartObject();
                w.WriteString("message_type", "app_restored");
                w.WriteString("app", result.App);
                w.WriteString("snapshot_id", result.Snapshot.Id.ToString());
                w.WriteString("snapshot_time", result.Snapshot.Time.ToDateTimeOffset());
                w.WriteBoolean("in_place", inPlace);
                w.WriteNumber("items_restored", result.Items);
                w.WriteNumber("bytes_restored", result.Bytes);
                w.WriteNumber("items_removed", result.Removed);
                if (result.StaleSqliteFiles.Count > 0)
                {
                    w.WriteStartArray("stale_sqlite_files_removed");
                    foreach (var stale in result.StaleSqliteFiles) w.WriteStringValue(stale.Path);
                    w.WriteEndArray();
                }
                w.WriteStartArray("destinations");
                foreach (var d in result.Destinations) w.WriteStringValue(d);
                w.WriteEndArray();
                if (!result.FilesRestored) w.WriteBoolean("files_restored", false);
                if (result.Dumps.Count > 0)
                {
                    w.WriteStartArray("dumps");
                    foreach (var dump in result.Dumps)
                    {
                        w.WriteStartObject();
                        w.WriteString("path", dump.Load.File.SnapshotPath);
                        if (dump.Load.Database is { } database) w.WriteString("database", database);
                        w.WriteString("outcome", dump.Outcome switch
                        {
                            DumpLoadOutcome.Loaded => "loaded", DumpLoadOutcome.Failed => "failed",
                            DumpLoadOutcome.NotLoadable => "not_loadable", _ => "deferred",
                        });
                        w.WriteNumber("bytes", dump.Bytes);
                        if (dump.Message is { } message) w.WriteString("message", message);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            });
            return;
        }
        if (result.FilesRestored) ReportFiles(ctx, result);
        foreach (var dump in result.Dumps)
        {
            if (dump.Outcome == DumpLoadOutcome.Loaded)
                ctx.Info($"{result.App}: loaded dump {Display.Text(dump.Load.Display)}, {Format.Bytes(dump.Bytes)}, from snapshot {Describe(result.Snapshot)}");
            else if (dump.Failed)
                ctx.Error.WriteLine($"{result.App}: FAILED: {Display.Text(dump.Message ?? dump.Load.Display)}{(result.FilesRestored ? "; the restored files stay in place" : "")}");
            else
                ctx.Info($"{result.App}: {Display.Text(dump.Message ?? dump.Load.Display)}");
        }
    }

    private static void ReportFiles(CommandContext ctx, AppRestoreResult result)
    {
        var line = $"{result.App}: restored {result.Items} file{(result.Items == 1 ? "" : "s")} ({Format.Bytes(result.Bytes)}) from snapshot {Describe(result.Snapshot)} to {string.Join(", ", result.Destinations.Select(d => Display.Text(d)))}";
        if (result.Removed > 0) line += $"; removed {result.Removed} item{(result.Removed == 1 ? "" : "s")} the snapshot does not have";
        foreach (var stale in result.StaleSqliteFiles) line += $"; removed {Display.Text(stale.Explanation)}";
        ctx.Info(line);
    }

    /// <summary>
    /// The live line of a restore in place: "plex: [0:42] 41.20%  41200/100000 files 410.000 MiB/1.000 GiB restored ETA 1:02",
    /// then the renames into place and the removal of what they replaced. The rate and the time left are of the
    /// restoring (bytes) and of the renaming (items), each from its own start.
    /// </summary>
    internal static string Status(StackRestoreProgress p, TimeSpan elapsed, ProgressRate rate)
    {
        switch (p.Phase)
        {
            case StackRestorePhase.Restoring:
                {
                    long done = p.BytesRestored, total = p.Bytes;
                    string percent = total > 0 ? $"{Math.Min(100.0, 100.0 * done / total):0.00}%  " : "";
                    return $"{p.App}: [{Format.Duration(elapsed)}] {percent}{p.FilesRestored}/{p.Files} files {Format.Bytes(done)}/{Format.Bytes(total)} restored{Format.Eta(rate.Update(elapsed, done, total))}";
                }
            case StackRestorePhase.Placing:
                {
                    // a new count, below the bytes: the rate starts again with it
                    long placed = p.ItemsPlaced;
                    return $"{p.App}: [{Format.Duration(elapsed)}] moving into place: {placed}/{p.Files} items{Format.Eta(rate.Update(elapsed, placed, p.Files))}";
                }
            default:
                return $"{p.App}: [{Format.Duration(elapsed)}] removing the replaced files";
        }
    }

    public sealed class RestoreObserver(CommandContext ctx) : IStackRestoreObserver
    {
        /// <summary>The live line, cleared before each message so that the message stands on its own line.</summary>
        public ProgressLine? Progress { get; set; }

        public void AppEvent(AppConfig app, string message)
        {
            Progress?.Clear();
            ctx.Info($"{app.Name}: {message}");
        }

        public void StackEvent(string message)
        {
            Progress?.Clear();
            ctx.Info(message);
        }

        public void ItemError(AppConfig app, string path, Exception error)
        {
            Progress?.Clear();
            ctx.Error.WriteLine($"{app.Name}: error: {Display.Text(path)}: {Display.Text(error.Message)}");
        }
    }
}
