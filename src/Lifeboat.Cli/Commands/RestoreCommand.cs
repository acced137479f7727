using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Restore;

namespace Lifeboat.Cli.Commands;

public sealed class RestoreCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var snapshot = new Argument<string>("snapshotID[:subfolder]|APP") { Description = "the snapshot (or \"latest\"), optionally with a folder inside it; with a lifeboat.yaml: the app to restore" };
        var target = new Option<string?>("--target", "-t") { Description = "directory to extract data to; with a lifeboat.yaml: restore there (DIR/<original path>) instead of in place" };
        var include = new Option<string[]>("--include", "-i") { Description = "include a pattern, exclude everything else (can be specified multiple times)" };
        var exclude = new Option<string[]>("--exclude", "-e") { Description = "exclude a pattern (can be specified multiple times)" };
        var iinclude = new Option<string[]>("--iinclude") { Description = "same as --include but ignores the casing of filenames" };
        var iexclude = new Option<string[]>("--iexclude") { Description = "same as --exclude but ignores the casing of filenames" };
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
            """) { snapshot, target, include, exclude, iinclude, iexclude, verify, dryRun };
        filter.Path.Description = "only consider snapshots including this (absolute) path (can be specified multiple times); with a lifeboat.yaml: restore only this path of the app";
        filter.AddTo(command);
        stackOptions.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            if (ctx.StackConfig is { } stack) return await Stack.StackRestoreCommand.RunAsync(ctx, stack, parse.GetValue(snapshot)!, parse.GetValue(target), parse.GetValue(filter.Path) ?? [], stackOptions, ct);
            stackOptions.RejectOutsideStackMode(parse);
            var targetDir = parse.GetValue(target) ?? throw new CliException("Please specify a directory to restore to (--target)");
            var excludes = parse.GetValue(exclude) ?? [];
            var includes = parse.GetValue(include) ?? [];
            if ((excludes.Length > 0 || (parse.GetValue(iexclude) ?? []).Length > 0) && (includes.Length > 0 || (parse.GetValue(iinclude) ?? []).Length > 0))
                throw new CliException("exclude and include patterns are mutually exclusive");
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
                Includes = includes,
                Excludes = excludes,
                InsensitiveIncludes = parse.GetValue(iinclude) ?? [],
                InsensitiveExcludes = parse.GetValue(iexclude) ?? [],
                DryRun = parse.GetValue(dryRun),
            }, observer);
            ctx.Info($"restoring {SnapshotPath.Describe(sn)} to {targetDir}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var progress = new ProgressLine(ctx.ShowProgress, () =>
            {
                var s = restorer.Statistics;
                long done = Interlocked.Read(ref s.BytesDone), total = Interlocked.Read(ref s.TotalBytes);
                string pct = total > 0 ? $"{100.0 * done / total:0.00}%  " : "";
                return $"[{Format.Duration(clock.Elapsed)}] {pct}{s.FilesDone} files/dirs {Format.Bytes(done)}, total {s.TotalFiles} files/dirs {Format.Bytes(total)}, {Format.Speed(done, clock.Elapsed)}";
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
                    w.WriteNumber("total_bytes", st.TotalBytes);
                    w.WriteNumber("bytes_restored", st.BytesDone);
                    if (st.Errors > 0) w.WriteNumber("error_count", st.Errors);
                    w.WriteEndObject();
                });
            else if (ctx.Verbosity > 0)
                ctx.Info($"restored {st.TotalFiles} files, {Format.Bytes(st.BytesDone)} in {Format.Duration(clock.Elapsed)}");
            if (ctx.Verbosity > 1)
                ctx.Info($"timing: open {openTime.TotalSeconds:0.000} s, plan {st.PlanTime.TotalSeconds:0.000} s, content {st.ContentTime.TotalSeconds:0.000} s, metadata {st.MetadataTime.TotalSeconds:0.000} s");
            if (errors.Count > 0) throw new CliException($"There were {errors.Count} errors");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private sealed class Observer(CommandContext ctx, List<string> errors) : IRestoreObserver
    {
        public ProgressLine? Progress { get; set; }

        public void ItemError(string path, Exception error)
        {
            lock (errors) errors.Add(path);
            Progress?.Clear();
            if (ctx.Json)
                JsonOutput.Error("restore", path, error.Message);
            else
                ctx.Error.WriteLine($"ignoring error for {Display.Text(path)}: {error.Message}");
        }
    }
}
