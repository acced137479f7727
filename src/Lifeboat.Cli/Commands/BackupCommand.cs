using System.CommandLine;
using System.Globalization;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Cli.Commands;

public sealed class BackupCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var paths = new Argument<string[]>("FILE/DIR|APP") { Arity = ArgumentArity.ZeroOrMore, Description = "files and directories to back up (with a lifeboat.yaml: the apps to back up, all when none)" };
        var exclude = new Option<string[]>("--exclude", "-e") { Description = "exclude a pattern (can be specified multiple times)" };
        var iexclude = new Option<string[]>("--iexclude") { Description = "same as --exclude but ignores the casing of filenames" };
        var excludeFile = new Option<string[]>("--exclude-file") { Description = "read exclude patterns from a file (can be specified multiple times)" };
        var iexcludeFile = new Option<string[]>("--iexclude-file") { Description = "same as --exclude-file but ignores casing of filenames in patterns" };
        var excludeCaches = new Option<bool>("--exclude-caches") { Description = "excludes cache directories that are marked with a CACHEDIR.TAG file" };
        var excludeIfPresent = new Option<string[]>("--exclude-if-present") { Description = "takes filename[:header], exclude contents of directories containing filename (except filename itself) if header of that file is as provided (can be specified multiple times)" };
        var filesFrom = new Option<string[]>("--files-from") { Description = "read the files to back up from a file, one per line (can be combined)" };
        var tag = new Option<string[]>("--tag") { Description = "add tags for the new snapshot in the format `tag[,tag,...]` (can be specified multiple times)" };
        var host = new Option<string?>("--host", "-H") { Description = "set the hostname for the snapshot manually (default: $RESTIC_HOST, else the machine's)" };
        var time = new Option<string?>("--time") { Description = "time of the backup (ex. '2012-11-01 22:08:41') (default: now)" };
        var parent = new Option<string?>("--parent") { Description = "use this parent snapshot (default: last snapshot in the repository that has the same target files/directories, and is not newer than the snapshot time)" };
        var force = new Option<bool>("--force", "-f") { Description = "force re-reading the target files/directories (overrides the \"parent\" flag)" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "do not upload or write any data, just show what would be done" };
        var oneFileSystem = new Option<bool>("--one-file-system", "-x") { Description = "exclude other file systems, don't cross filesystem boundaries and subvolumes" };
        var stdin = new Option<bool>("--stdin") { Description = "read backup from stdin" };
        var stdinFilename = new Option<string>("--stdin-filename") { Description = "filename to use when reading from stdin", DefaultValueFactory = _ => "stdin" };
        var stdinFromCommand = new Option<bool>("--stdin-from-command") { Description = "interpret arguments as command to execute and store its stdout (give them after --)" };
        var filesFromVerbatim = new Option<string[]>("--files-from-verbatim") { Description = "read the files to backup from file (can be combined with file args; can be specified multiple times)" };
        var filesFromRaw = new Option<string[]>("--files-from-raw") { Description = "read the files to backup from file (can be combined with file args; can be specified multiple times)" };
        var excludeLargerThan = new Option<string?>("--exclude-larger-than") { Description = "max size of the files to be backed up (allowed suffixes: k/K, m/M, g/G, t/T)" };
        var skipIfUnchanged = new Option<bool>("--skip-if-unchanged") { Description = "skip snapshot creation if identical to parent snapshot" };
        var readConcurrency = new Option<int>("--read-concurrency") { Description = "read n files concurrently (default: $RESTIC_READ_CONCURRENCY, else twice the cores, at least 4)" };
        var noScan = new Option<bool>("--no-scan") { Description = "do not run scanner to estimate size of backup" };
        var groupBy = new Option<string>("--group-by", "-g") { Description = "group snapshots by host, paths and/or tags, separated by comma (disable grouping with '')", DefaultValueFactory = _ => "host,paths" };
        var withAtime = new Option<bool>("--with-atime") { Description = "store the atime for all files and directories" };
        var ignoreInode = new Option<bool>("--ignore-inode") { Description = "ignore inode number and ctime changes when checking for modified files" };
        var ignoreCtime = new Option<bool>("--ignore-ctime") { Description = "ignore ctime changes when checking for modified files" };
        var metricsFile = Stack.MetricsFileOption.Create();
        var command = new Command("backup", """
            Create a new backup of files and/or directories

            With a lifeboat.yaml (stack mode, no -r): backup [APP...] makes one snapshot per app (all apps when none is
            named) of the app's paths, tagged app:NAME, its containers stopped or its SQLite databases copied as the
            config says; one line per app, exit 1 when any failed.
            Examples: lifeboat backup                    lifeboat backup sonarr radarr --notify
            """)
        {
            paths, exclude, iexclude, excludeFile, iexcludeFile, excludeCaches, excludeIfPresent, filesFrom, tag, host, time, parent, force, dryRun, oneFileSystem,
            stdin, stdinFilename, stdinFromCommand, metricsFile,
            filesFromVerbatim, filesFromRaw, excludeLargerThan, skipIfUnchanged, readConcurrency, noScan, groupBy, withAtime, ignoreInode, ignoreCtime,
        };
        var notify = NotifyOption.Create();
        command.Options.Add(notify);
        command.SetAction((parse, ct) => RecordedUnlessStreamAsync(global, parse, notify, parse.GetValue(stdin) || parse.GetValue(stdinFromCommand), parse.GetValue(paths) ?? [], job => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse, job);
            // a stream is always a backup of its own, into the repository given (or the stack's), never the stack's apps
            bool fromStream = parse.GetValue(stdin) || parse.GetValue(stdinFromCommand);
            if (ctx.StackConfig is { } stack && !fromStream)
            {
                // a flag that shapes a path backup would be ignored by the apps' backups: say so rather than back up
                // something else than the user asked for (a --dry-run that writes, an --exclude that excludes nothing)
                var inConfig = $"each app's excludes are its exclude: list in {stack.File} (never: for every app)";
                foreach (var (option, advice) in new (Option, string)[]
                {
                    (exclude, inConfig), (iexclude, inConfig), (excludeFile, inConfig), (iexcludeFile, inConfig),
                    (excludeCaches, inConfig), (excludeIfPresent, inConfig),
                    (excludeLargerThan, inConfig),
                    (filesFrom, $"the apps' paths are their paths: lists in {stack.File}"),
                    (filesFromVerbatim, $"the apps' paths are their paths: lists in {stack.File}"),
                    (filesFromRaw, $"the apps' paths are their paths: lists in {stack.File}"),
                    (groupBy, "each app's parent is its own newest snapshot"),
                    (skipIfUnchanged, "it is not supported for a stack backup"),
                    (readConcurrency, "it is not supported for a stack backup"),
                    (noScan, "it is not supported for a stack backup"),
                    (withAtime, "it is not supported for a stack backup"),
                    (ignoreInode, "it is not supported for a stack backup"),
                    (ignoreCtime, "it is not supported for a stack backup"),
                    (host, $"the snapshots' host is host: in {stack.File}"),
                    (time, "a stack backup is stamped with the time it runs"),
                    (parent, "each app's parent is its own newest snapshot"),
                    (force, "it is not supported for a stack backup"),
                    (dryRun, "it is not supported for a stack backup"),
                    (oneFileSystem, "it is not supported for a stack backup"),
                    (stdinFilename, "it goes with --stdin or --stdin-from-command"),
                })
                    if (parse.GetResult(option) is { Implicit: false })
                        throw new CliException($"{option.Name} does not apply to a stack backup (lifeboat.yaml, no -r): {advice}; to back up paths of your own with it, name a repository with -r");
                return await Stack.StackBackupCommand.RunAsync(ctx, stack, parse.GetValue(paths) ?? [],
                    (parse.GetValue(tag) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList(), ct, parse.GetValue(metricsFile), job);
            }
            if (parse.GetValue(metricsFile) is not null)
                throw new CliException("--metrics-file works with a lifeboat.yaml (stack mode): give --config FILE, set LIFEBOAT_CONFIG, or run it where lifeboat.yaml is");
            var observer = new Observer(ctx);
            var targets = new List<string>();
            List<StreamSource> streams = [];
            if (fromStream)
            {
                bool anyList = (parse.GetValue(filesFrom) ?? []).Length + (parse.GetValue(filesFromVerbatim) ?? []).Length + (parse.GetValue(filesFromRaw) ?? []).Length > 0;
                streams.Add(StreamFromOptions(ctx, parse.GetValue(paths) ?? [], parse.GetValue(stdin), parse.GetValue(stdinFromCommand),
                    parse.GetValue(stdinFilename) ?? "stdin", anyList, observer));
            }
            else
            {
                targets.AddRange(parse.GetValue(paths) ?? []);
                foreach (var list in parse.GetValue(filesFrom) ?? [])
                    targets.AddRange(File.ReadAllLines(list).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
                foreach (var list in parse.GetValue(filesFromVerbatim) ?? []) targets.AddRange(BackupFileLists.Verbatim(list));
                foreach (var list in parse.GetValue(filesFromRaw) ?? []) targets.AddRange(BackupFileLists.Raw(list));
                if (targets.Count == 0) throw new CliException("nothing to backup, please specify target files/dirs");
            }

            var rules = new ExcludeRules();
            var patterns = new List<string>();
            foreach (var p in parse.GetValue(exclude) ?? []) { rules.AddPattern(p); patterns.Add(p); }
            foreach (var p in parse.GetValue(iexclude) ?? []) rules.AddInsensitivePattern(p);
            foreach (var f in parse.GetValue(excludeFile) ?? []) foreach (var p in ReadPatterns(f)) { rules.AddPattern(p); patterns.Add(p); }
            foreach (var f in parse.GetValue(iexcludeFile) ?? []) foreach (var p in ReadPatterns(f)) rules.AddInsensitivePattern(p);
            if (parse.GetValue(excludeCaches)) rules.AddExcludeCaches();
            if (parse.GetValue(excludeLargerThan) is { } maxSize)
            {
                try { rules.ExcludeLargerThan(Lifeboat.Engine.Maintenance.PruneOptions.ParseSize(maxSize, "--exclude-larger-than")); }
                catch (FormatException e) { throw new CliException(e.Message); }
            }
            foreach (var spec in parse.GetValue(excludeIfPresent) ?? []) rules.AddExcludeIfPresent(spec);
            if (parse.GetValue(oneFileSystem) && targets.Count > 0)
            {
                var devices = new List<ulong>();
                foreach (var t in targets)
                    if (Posix.TryLStat(t, out var st, out _)) devices.Add(st.Device);
                rules.RestrictToDevices(devices);
            }

            // restic: --host wins over $RESTIC_HOST; an empty one stands for the machine's name
            var hostname = parse.GetValue(host) ?? System.Environment.GetEnvironmentVariable("RESTIC_HOST");
            if (string.IsNullOrEmpty(hostname)) hostname = Posix.HostName;
            Lifeboat.Engine.Maintenance.ForgetGrouping parentGroupBy;
            try { parentGroupBy = Lifeboat.Engine.Maintenance.ForgetGrouping.Parse(parse.GetValue(groupBy) ?? "host,paths"); }
            catch (FormatException e) { throw new CliException(e.Message); }
            int concurrency = parse.GetValue(readConcurrency);
            if (parse.GetResult(readConcurrency) is null && int.TryParse(System.Environment.GetEnvironmentVariable("RESTIC_READ_CONCURRENCY"), out var fromEnvironment))
                concurrency = fromEnvironment;
            if (concurrency < 0) throw new CliException($"invalid --read-concurrency {concurrency}: give a number of files, 1 or more");
            GoTime? snapshotTime = parse.GetValue(time) is { } ts ? ParseTime(ts) : null;

            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true, skipLock: parse.GetValue(dryRun));
            Id? parentId = null;
            // restic ignores --parent for stdin: a stream file is never compared with a parent
            if (parse.GetValue(parent) is { } parentSpec && !fromStream)
                parentId = (await repo.FindSnapshotAsync(parentSpec, null, ct)).Id;

            var options = new BackupOptions
            {
                Paths = targets,
                Streams = streams,
                Excludes = rules,
                ExcludePatterns = patterns,
                Tags = (parse.GetValue(tag) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList(),
                Hostname = hostname,
                Time = snapshotTime,
                Parent = parentId,
                Force = parse.GetValue(force),
                DryRun = parse.GetValue(dryRun),
                // the totals only feed the progress line and restic's JSON status lines
                CountAhead = !parse.GetValue(noScan) && (ctx.ShowProgress || (ctx.Json && !ctx.Quiet)),
                ParentGroupBy = parentGroupBy,
                SkipIfUnchanged = parse.GetValue(skipIfUnchanged),
                WithAccessTime = parse.GetValue(withAtime),
                // restic: --ignore-inode leaves out the ctime too (a new inode means a new ctime)
                IgnoreInode = parse.GetValue(ignoreInode),
                IgnoreChangeTime = parse.GetValue(ignoreCtime) || parse.GetValue(ignoreInode),
            };
            if (concurrency > 0) options = options with { FileConcurrency = concurrency };
            var archiver = new Archiver(repo, options, observer);
            var statistics = new BackupStatistics();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var status = ctx.Json && !ctx.Quiet ? new Timer(_ => WriteJsonStatus(statistics, clock.Elapsed), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) : null;
            BackupResult result;
            var rate = new ProgressRate();
            using (var progress = new ProgressLine(ctx.ShowProgress, () => StatusText(statistics, clock.Elapsed, rate)))
            {
                observer.Progress = progress;
                try
                {
                    result = await archiver.RunAsync(statistics, ct);
                }
                catch (SourceFailedException e)
                {
                    throw new CliException($"unable to save snapshot: {e.Message}");
                }
            }
            status?.Dispose();
            Report(ctx, result, showParent: !fromStream);
            return result.IsPartial ? ExitCodes.PartialBackup : ExitCodes.Ok;
        }, ct)));
        return command;
    }

    /// <summary>
    /// Runs the backup as a run of the stack's backup job (<see cref="NotifyOption.RunAsync"/>), unless it is a stream
    /// backup: that is no run of the job, so it is not recorded in the job history (doctor and the metrics would count
    /// it as the apps' backup), nor notified.
    /// </summary>
    private static Task<int> RecordedUnlessStreamAsync(GlobalOptions global, ParseResult parse, Option<bool> notify, bool fromStream,
        IReadOnlyList<string> apps, Func<JobCompletion, Task<int>> run)
    {
        if (!fromStream) return NotifyOption.RunAsync(global, parse, notify, Lifeboat.Stack.Operations.JobKind.Backup, apps, run);
        if (parse.GetValue(notify))
            return Program.Run(() => throw new CliException("--notify reports the stack's backup job: a --stdin or --stdin-from-command backup is none"),
                CancellationToken.None);
        return run(new JobCompletion());
    }

    /// <summary>
    /// The stream file --stdin or --stdin-from-command names, checked as restic checks them: the data and the password
    /// cannot both come from stdin, and a stream goes with no files/dirs (with --stdin-from-command, the arguments are
    /// the command).
    /// </summary>
    private static StreamSource StreamFromOptions(CommandContext ctx, string[] arguments, bool fromStdin, bool fromCommand, string filename,
        bool filesFrom, Observer observer)
    {
        if (fromStdin && !ctx.Access.Request.InsecureNoPassword && ctx.Access.PasswordSourceFor(ctx.StackConfig).Kind == Lifeboat.Stack.Hosting.PasswordSourceKind.None)
            throw new CliException("cannot read both password and data from stdin");
        if (filesFrom) throw new CliException("--stdin and --files-from cannot be used together");
        if (arguments.Length > 0 && !fromCommand) throw new CliException("--stdin was specified and files/dirs were listed as arguments");
        if (fromCommand && arguments.Length == 0) throw new CliException("no command was specified as argument");
        var path = GoPath.Clean("/" + filename);
        if (path == "/") throw new CliException($"invalid filename specified: --stdin-filename \"{filename}\" names no file");
        return fromCommand
            ? StreamSource.CommandOutput(path, arguments, line => observer.CommandError(arguments[0], line))
            : StreamSource.StandardInput(path);
    }

    private static IEnumerable<string> ReadPatterns(string file)
    {
        try
        {
            return ExcludeRules.ReadPatternFile(file).ToList();
        }
        catch (IOException e)
        {
            throw new CliException($"cannot read exclude file {file}: {e.Message}");
        }
    }

    internal static GoTime ParseTime(string text)
    {
        string[] formats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"];
        if (DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local))
            return GoTime.FromDateTimeOffset(new DateTimeOffset(local));
        if (GoTime.TryParse(text, out var t)) return t;
        throw new CliException($"invalid time \"{text}\": use the form \"2012-11-01 22:08:41\"");
    }

    /// <summary>
    /// restic's status line: elapsed, percent, files and bytes done of the totals, speed, errors, and once the scan
    /// has counted the totals (never with --no-scan) the time left at the rate of the last seconds (<see cref="ProgressRate"/>).
    /// </summary>
    internal static string StatusText(BackupStatistics s, TimeSpan elapsed, ProgressRate rate)
    {
        long done = Interlocked.Read(ref s.BytesDone), total = Interlocked.Read(ref s.TotalBytes);
        var left = rate.Update(elapsed, done, s.ScanFinished ? total : 0);
        string percent = total > 0 ? $"{Math.Min(100.0, 100.0 * done / total):0.00}%  " : "";
        return $"[{Format.Duration(elapsed)}] {percent}{s.FilesDone} files {Format.Bytes(done)}, total {s.TotalFiles} files {Format.Bytes(total)}, {Format.Speed(done, elapsed)}, {s.Errors} errors{Format.Eta(left)}";
    }

    private static void WriteJsonStatus(BackupStatistics s, TimeSpan elapsed)
    {
        long done = Interlocked.Read(ref s.BytesDone), total = Interlocked.Read(ref s.TotalBytes);
        JsonOutput.Line(w =>
        {
            w.WriteStartObject();
            w.WriteString("message_type", "status");
            w.WriteNumber("seconds_elapsed", (long)elapsed.TotalSeconds);
            if (s.ScanFinished && done > 0 && total > done) w.WriteNumber("seconds_remaining", (long)(elapsed.TotalSeconds * (total - done) / done));
            w.WriteNumber("percent_done", total > 0 ? Math.Min(1.0, (double)done / total) : 0);
            w.WriteNumber("total_files", s.TotalFiles);
            w.WriteNumber("files_done", s.FilesDone);
            w.WriteNumber("total_bytes", total);
            w.WriteNumber("bytes_done", done);
            if (s.Errors > 0) w.WriteNumber("error_count", s.Errors);
            var current = s.CurrentFiles();
            if (current.Length > 0)
            {
                w.WriteStartArray("current_files");
                foreach (var f in current) w.WriteStringValue(f);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        });
    }

    private static void Report(CommandContext ctx, BackupResult r, bool showParent)
    {
        var s = r.Statistics;
        if (ctx.Json)
        {
            JsonOutput.Line(w =>
            {
                w.WriteStartObject();
                w.WriteString("message_type", "summary");
                w.WriteNumber("files_new", s.FilesNew);
                w.WriteNumber("files_changed", s.FilesChanged);
                w.WriteNumber("files_unmodified", s.FilesUnmodified);
                w.WriteNumber("dirs_new", s.DirsNew);
                w.WriteNumber("dirs_changed", s.DirsChanged);
                w.WriteNumber("dirs_unmodified", s.DirsUnmodified);
                w.WriteNumber("data_blobs", s.DataBlobs);
                w.WriteNumber("tree_blobs", s.TreeBlobs);
                w.WriteNumber("data_added", s.DataAdded);
                w.WriteNumber("data_added_packed", s.DataAddedPacked);
                w.WriteNumber("total_files_processed", s.FilesNew + s.FilesChanged + s.FilesUnmodified);
                w.WriteNumber("total_bytes_processed", s.BytesDone);
                w.WriteNumber("total_duration", r.Duration.TotalSeconds);
                // restic 0.18: the run's start and end, as the snapshot's summary records them
                if (r.Snapshot.Summary is { } summary)
                {
                    w.WriteString("backup_start", summary.BackupStart.ToString());
                    w.WriteString("backup_end", summary.BackupEnd.ToString());
                }
                if (r.SnapshotId is { } id) w.WriteString("snapshot_id", id.ToString());
                if (r.SnapshotId is null && !r.Skipped) w.WriteBoolean("dry_run", true);
                w.WriteEndObject();
            });
            return;
        }
        if (ctx.Quiet) return;
        if (showParent)
            ctx.Out.WriteLine(r.Parent is null ? "no parent snapshot found, will read all files" : $"using parent snapshot {r.Parent.Id.ToShortString()}");
        ctx.Out.WriteLine();
        ctx.Out.WriteLine($"Files:       {s.FilesNew,5} new, {s.FilesChanged,5} changed, {s.FilesUnmodified,5} unmodified");
        ctx.Out.WriteLine($"Dirs:        {s.DirsNew,5} new, {s.DirsChanged,5} changed, {s.DirsUnmodified,5} unmodified");
        ctx.Out.WriteLine($"{(r.SnapshotId is null && !r.Skipped ? "Would add" : "Added")} to the repository: {Format.Bytes(s.DataAdded),-5} ({Format.Bytes(s.DataAddedPacked),-5} stored)");
        ctx.Out.WriteLine();
        ctx.Out.WriteLine($"processed {s.FilesNew + s.FilesChanged + s.FilesUnmodified} files, {Format.Bytes(s.BytesDone)} in {Format.Duration(r.Duration)}");
        if (r.SnapshotId is { } sid) ctx.Out.WriteLine($"snapshot {sid.ToShortString()} saved");
        else if (r.Skipped) ctx.Out.WriteLine("skipped creating snapshot");
        if (r.IsPartial) ctx.Error.WriteLine("Warning: at least one source file could not be read");
        if (ctx.Verbosity > 1)
        {
            double S(long t) => BackupStatistics.Seconds(t);
            ctx.Out.WriteLine($"time in stages, summed over workers: lstat {S(s.StatTicks):0.000} s, list {S(s.ListTicks):0.000} s, parent trees {S(s.ParentTreeTicks):0.000} s, read {S(s.ReadTicks):0.000} s, chunk {S(s.ChunkTicks):0.000} s, hash {S(s.HashTicks):0.000} s, compress+encrypt+pack {S(s.StoreTicks):0.000} s, trees {S(s.TreeTicks):0.000} s");
        }
    }

    private sealed class Observer(CommandContext ctx) : IBackupObserver
    {
        public ProgressLine? Progress { get; set; }

        public void ItemError(string path, string during, Exception error)
        {
            if (ctx.Json)
            {
                JsonOutput.Error(during, path, error.Message);
                return;
            }
            Progress?.Clear();
            ctx.Error.WriteLine($"error: {Display.Text(error.Message)}");
        }

        /// <summary>A line the --stdin-from-command command wrote to its stderr, passed on as restic does (also with --json).</summary>
        public void CommandError(string command, string line)
        {
            lock (ctx.Error)
            {
                Progress?.Clear();
                ctx.Error.WriteLine($"subprocess {command}: {Display.Text(line)}");
            }
        }
    }
}
