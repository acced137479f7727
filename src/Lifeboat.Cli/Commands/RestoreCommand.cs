using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Engine.Restore;

namespace Lifeboat.Cli.Commands;

public sealed class RestoreCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var snapshot = new Argument<string>("snapshotID[:subfolder]|APP") { Description = "the snapshot (or \"latest\"), optionally with a folder inside it; with a lifeboat.yaml: the app to restore" };
        var target = new Option<string?>("--target", "-t") { Description = "directory to extract data to; with a lifeboat.yaml: restore there (DIR/<original path>) instead of in place" };
        var patterns = new PatternOptions();
        patterns.Include.Description = "include a pattern, exclude everything else (can be specified multiple times)";
        var overwrite = new Option<string>("--overwrite") { Description = "overwrite behavior, one of (always|if-changed|if-newer|never)", DefaultValueFactory = _ => "always" };
        var sparse = new Option<bool>("--sparse") { Description = "restore files as sparse" };
        var verify = new Option<bool>("--verify") { Description = "verify restored files content (every blob is always verified against its ID while restoring)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "do not write any data, just show what would be done" };
        var filter = new SnapshotFilterOptions();
        var stackOptions = new Stack.StackRestoreOptions();
        var command = new Command("restore", """
            Extract the data from a snapshot

            With a lifeboat.yaml (stack mode, no -r): restore APP [--snapshot ID|--at TIME] [--path P]... [--target DIR]
            [--delete] restores the app's newest snapshot (or the one chosen) in place: its containers stopped, the files
            staged beside their paths and renamed into place only when all of them were restored, the containers started
            again. --path selects what to restore (an original absolute path inside the app's paths); --target DIR
            restores to DIR/<original path> and leaves the live files alone.
            Examples: lifeboat restore sonarr
                      lifeboat restore sonarr --at yesterday --path /mnt/projects/sonarr/config.xml --target /tmp/r
            """) { snapshot, target, verify, dryRun, overwrite, sparse };
        patterns.AddTo(command);
        filter.Path.Description = "only consider snapshots including this (absolute) path (can be specified multiple times); with a lifeboat.yaml: restore only this path of the app";
        filter.AddTo(command);
        stackOptions.AddTo(command);
        stackOptions.Delete.Description = "delete files from target directory if they do not exist in snapshot; with a lifeboat.yaml, in place: moved aside until the restore has succeeded";
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            if (ctx.StackConfig is { } stack) return await Stack.StackRestoreCommand.RunAsync(ctx, stack, parse.GetValue(snapshot)!, parse.GetValue(target), parse.GetValue(filter.Path) ?? [], stackOptions, ct);
            stackOptions.RejectOutsideStackMode(parse, allowed: stackOptions.Delete);
            var targetDir = parse.GetValue(target) ?? throw new CliException("Please specify a directory to restore to (--target)");
            var selection = patterns.Get(parse);
            var overwriteMode = ParseOverwrite(parse.GetValue(overwrite)!);
            var openClock = System.Diagnostics.Stopwatch.StartNew();
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
            var openTime = openClock.Elapsed;
            var (sn, tree, sub) = await SnapshotPath.ResolveAsync(repo, parse.GetValue(snapshot)!, filter.Get(parse), ct);
            var errors = new List<string>();
            var observer = new Observer(ctx, errors);
            var restorer = new Restorer(repo, new RestoreOptions
            {
                Target = Engine.Backup.Archiver.AbsolutePath(targetDir),
                Includes = selection.Includes,
                Excludes = selection.Excludes,
                InsensitiveIncludes = selection.InsensitiveIncludes,
                InsensitiveExcludes = selection.InsensitiveExcludes,
                DryRun = parse.GetValue(dryRun),
                Overwrite = overwriteMode,
                Delete = parse.GetValue(stackOptions.Delete),
                Sparse = parse.GetValue(sparse),
            }, observer);
            ctx.Info($"restoring {SnapshotPath.Describe(sn)} to {targetDir}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var rate = new ProgressRate();
            using (var progress = new ProgressLine(ctx.ShowProgress, () =>
            {
                var s = restorer.Statistics;
                var elapsed = clock.Elapsed;
                long done = Interlocked.Read(ref s.BytesDone), total = Interlocked.Read(ref s.TotalBytes);
                string pct = total > 0 ? $"{100.0 * done / total:0.00}%  " : "";
                return $"[{Format.Duration(elapsed)}] {pct}{s.FilesDone} files/dirs {Format.Bytes(done)}, total {s.TotalFiles} files/dirs {Format.Bytes(total)}, {Format.Speed(done, elapsed)}{Format.Eta(rate.Update(elapsed, done, total))}";
            }))
            {
                observer.Progress = progress;
                await restorer.RunAsync(tree, ct);
            }
            var st = restorer.Statistics;
            if (ctx.Json)
                JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("message_type", "summary");
                    w.WriteNumber("seconds_elapsed", (long)clock.Elapsed.TotalSeconds);
                    w.WriteNumber("total_files", st.TotalFiles);
                    w.WriteNumber("files_restored", st.FilesDone);
                    // restic 0.17 leaves out the counts that are zero
                    if (st.FilesSkipped > 0) w.WriteNumber("files_skipped", st.FilesSkipped);
                    if (st.FilesDeleted > 0) w.WriteNumber("files_deleted", st.FilesDeleted);
                    w.WriteNumber("total_bytes", st.TotalBytes);
                    w.WriteNumber("bytes_restored", st.BytesDone);
                    if (st.BytesSkipped > 0) w.WriteNumber("bytes_skipped", st.BytesSkipped);
                    if (st.Errors > 0) w.WriteNumber("error_count", st.Errors);
                    w.WriteEndObject();
                });
            else
                ctx.Info(SummaryLine(st, clock.Elapsed));
            // LIFEBOAT_TIMING=1 shows it without -vv's line per item (which would cost a restore of many files its own time)
            if (ctx.Verbosity > 1 || Environment.GetEnvironmentVariable("LIFEBOAT_TIMING") is "1")
            {
                static string S(long ticks) => RestoreStatistics.Seconds(ticks).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
                ctx.Info($"timing: open {openTime.TotalSeconds:0.000} s, plan {st.PlanTime.TotalSeconds:0.000} s (CPU {st.PlanCpu.TotalSeconds:0.000} s), content {st.ContentTime.TotalSeconds:0.000} s (CPU {st.ContentCpu.TotalSeconds:0.000} s), metadata {st.MetadataTime.TotalSeconds:0.000} s (CPU {st.MetadataCpu.TotalSeconds:0.000} s)");
                ctx.Info($"content steps, summed over workers: read {S(st.ReadTicks)} s, decode {S(st.DecodeTicks)} s, create {S(st.CreateTicks)} s, write {S(st.WriteTicks)} s, finish {S(st.FinishTicks)} s; GC: {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} collections (gen 0/1/2), {GC.GetTotalPauseDuration().TotalSeconds:0.000} s paused");
            }
            if (errors.Count > 0) throw new CliException($"There were {errors.Count} errors");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    internal static RestoreOverwrite ParseOverwrite(string value) => value switch
    {
        "always" => RestoreOverwrite.Always,
        "if-changed" => RestoreOverwrite.IfChanged,
        "if-newer" => RestoreOverwrite.IfNewer,
        "never" => RestoreOverwrite.Never,
        _ => throw new CliException($"invalid argument \"{value}\" for \"--overwrite\" flag: invalid overwrite behavior \"{value}\", must be one of (always|if-changed|if-newer|never)"),
    };

    /// <summary>restic 0.17's closing line: "Summary: Restored 5 files/dirs (1.000 KiB) in 0:00, skipped 2 files/dirs 10 B, deleted 1 files/dirs".</summary>
    internal static string SummaryLine(RestoreStatistics st, TimeSpan elapsed)
    {
        var line = st.FilesDone == st.TotalFiles && st.BytesDone == st.TotalBytes
            ? $"Summary: Restored {st.TotalFiles} files/dirs ({Format.Bytes(st.TotalBytes)}) in {Format.Duration(elapsed)}"
            : $"Summary: Restored {st.FilesDone} / {st.TotalFiles} files/dirs ({Format.Bytes(st.BytesDone)} / {Format.Bytes(st.TotalBytes)}) in {Format.Duration(elapsed)}";
        if (st.FilesSkipped > 0) line += $", skipped {st.FilesSkipped} files/dirs {Format.Bytes(st.BytesSkipped)}";
        if (st.FilesDeleted > 0) line += $", deleted {st.FilesDeleted} files/dirs";
        return line;
    }

    private sealed class Observer(CommandContext ctx, List<string> errors) : IRestoreObserver
    {
        public ProgressLine? Progress { get; set; }

        public void ItemError(string path, Exception error)
        {
            lock (errors) errors.Add(path);
            Progress?.Clear();
            if (ctx.Json)
                JsonOutput.Error("restore", path, error.Message, toStderr: true);
            else
                ctx.Error.WriteLine($"ignoring error for {Display.Text(path)}: {error.Message}");
        }

        /// <summary>restic's -vv item lines: "restored  /path with size 1.000 KiB", or {"message_type":"verbose_status",...}.</summary>
        public void ItemDone(RestoreItemAction action, string path, long size)
        {
            if (ctx.Verbosity < 2 || ctx.Quiet) return;
            var name = action switch
            {
                RestoreItemAction.Updated => "updated",
                RestoreItemAction.Unchanged => "unchanged",
                RestoreItemAction.Deleted => "deleted",
                _ => "restored",
            };
            Progress?.Clear();
            if (ctx.Json)
                JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("message_type", "verbose_status");
                    w.WriteString("action", name);
                    w.WriteString("item", Display.Text(path));
                    w.WriteNumber("size", size);
                    w.WriteEndObject();
                });
            else
                lock (ctx.Out) ctx.Out.WriteLine(action == RestoreItemAction.Deleted ? $"{name,-9} {Display.Text(path)}" : $"{name,-9} {Display.Text(path)} with size {Format.Bytes(size)}");
        }
    }
}
