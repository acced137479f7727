using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lifeboat.Stack.State;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Operations.Metrics;
using Lifeboat.Stack.Verification;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>
/// `lifeboat verify [APP...] [--sample N%] [--json] [--metrics-file PATH]`: a real restore test of each app's latest snapshot into a scratch
/// directory, checked against the snapshot, the unchanged live files and SQLite's integrity_check; each result is
/// recorded for doctor and the dashboard. Stack mode only: restic has no such command.
/// </summary>
public sealed class StackVerifyCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var apps = new Argument<string[]>("APP") { Arity = ArgumentArity.ZeroOrMore, Description = "the apps to test (default: all)" };
        var sample = new Option<string?>("--sample") { Description = "restore a random sample of each app's files, e.g. 10% (default: all of them)" };
        var skipOffsite = new Option<bool>("--skip-offsite") { Description = "test the primary repository only (by default the offsite repository is tested too when lifeboat.yaml has one)" };
        var offsiteOnly = new Option<bool>("--offsite-only") { Description = "test the offsite repository only" };
        var metricsFile = MetricsFileOption.Create();
        var command = new Command("verify", "With a lifeboat.yaml: restore each app's latest snapshot into a scratch directory, verify every file, and record the result; the offsite repository's too")
            { apps, sample, skipOffsite, offsiteOnly, metricsFile };
        var notify = NotifyOption.Create();
        command.Options.Add(notify);
        command.SetAction((parse, ct) => NotifyOption.RunAsync(global, parse, notify, Lifeboat.Stack.Operations.JobKind.Verify, parse.GetValue(apps) ?? [], job => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse, job);
            var config = ctx.StackConfig ?? throw new CliException(ctx.RepositoryGiven
                ? "verify works with a lifeboat.yaml (stack mode) and takes its repository from it: leave out -r/--repository-file (and RESTIC_REPOSITORY); for a repository alone, use check --read-data"
                : "verify needs a lifeboat.yaml: give --config FILE, set LIFEBOAT_CONFIG, or run it where lifeboat.yaml is");
            var selected = config.SelectApps(parse.GetValue(apps) ?? []);
            double percent = parse.GetValue(sample) is { } text ? ParsePercent(text) : 100;
            bool onlyOffsite = parse.GetValue(offsiteOnly);
            if (onlyOffsite && parse.GetValue(skipOffsite)) throw new CliException("--offsite-only and --skip-offsite exclude each other: give one of them");
            if (onlyOffsite && config.Offsite is null) throw new CliException($"--offsite-only: {config.File} has no offsite: repository to test");
            var offsite = parse.GetValue(skipOffsite) ? null : config.Offsite;
            var metrics = MetricsFileOption.Collector(config, parse.GetValue(metricsFile));
            MetricsFileOption.WriteWhenRecorded(ctx, metrics, parse.GetValue(metricsFile), job);

            var all = new List<RestoreTestRecord>();
            bool passed = true;
            if (!onlyOffsite)
            {
                await using var repo = await ctx.OpenRepositoryAsync(ct);
                var records = await TestAsync(ctx, repo, config, selected, percent, indent: "", metrics, "primary", ct);
                all.AddRange(offsite is null ? records : records.Select(r => r with { Repository = "primary" }));
                passed &= records.All(r => r.Passed);
            }
            if (offsite is not null)
            {
                var location = Engine.Storage.BackendFactory.Redact(offsite.Repository);
                if (!ctx.Json && !ctx.Quiet) ctx.Out.WriteLine($"offsite {location}:");
                try
                {
                    await using var target = await ctx.OpenOffsiteRepositoryAsync(config, offsite, ct);
                    var records = await TestAsync(ctx, target, config, selected, percent, indent: "  ", metrics, "offsite", ct);
                    all.AddRange(records.Select(r => r with { Repository = "offsite" }));
                    passed &= records.All(r => r.Passed);
                }
                catch (Exception e) when (!onlyOffsite && (e is not OperationCanceledException || !ct.IsCancellationRequested))
                {
                    // the primary's results stand; the offsite's failure is one line and the exit code
                    ctx.Error.WriteLine($"offsite {location}: FAILED: {Display.Text(e.Message)}");
                    passed = false;
                }
            }
            if (ctx.Json) JsonOutput.Line(w => JsonSerializer.Serialize(w, (IReadOnlyList<RestoreTestRecord>)all, StateJsonContext.Default.IReadOnlyListRestoreTestRecord));
            return passed ? ExitCodes.Ok : ExitCodes.Fatal;
        }, ct)));
        return command;
    }

    /// <summary>The restore test of <paramref name="apps"/> in one repository, recorded in that repository's history.</summary>
    private static async Task<IReadOnlyList<RestoreTestRecord>> TestAsync(CommandContext ctx, Engine.Repository.Repository repo, StackConfig config,
        IReadOnlyList<AppConfig> apps, double percent, string indent, MetricsCollector? metrics, string repositoryName, CancellationToken ct)
    {
        await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
        var log = new RestoreTestLog(repo.Config.Id);
        log.EnsureUsable(); // a state database that cannot be used is named before anything is restored
        var observer = new Observer(ctx, indent);
        var test = new RestoreTest(repo, config, observer) { SamplePercent = percent, Log = log };
        IReadOnlyList<RestoreTestRecord> records;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rate = new ProgressRate();
        using (var progress = new ProgressLine(ctx.ShowProgress, () => indent + Status(test.Progress, clock.Elapsed, rate)))
        {
            observer.Progress = progress;
            records = await test.RunAsync(apps, ct);
        }
        if (!ctx.Json && !ctx.Quiet) ctx.Info($"{indent}recorded in {log.FilePath}");
        if (metrics is not null) await metrics.AddRepositoryAsync(repositoryName, repo, ct);
        return records;
    }

    /// <summary>"10%", "10" or "2.5%": more than 0, at most 100.</summary>
    internal static double ParsePercent(string text)
    {
        var number = text.Trim().TrimEnd('%').Trim();
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= 100)
            return value;
        throw new CliException($"--sample {text} is not a share of the files: give a percentage above 0 and at most 100, e.g. --sample 10%");
    }

    /// <summary>"plex: passed, snapshot 1a2b3c4d of 2026-11-26 03:00:00, 1234 files (1.200 GiB) restored and verified, ...".</summary>
    public static IEnumerable<string> Lines(RestoreTestRecord r)
    {
        if (r.SnapshotId.Length == 0)
        {
            yield return $"{r.App}: FAILED: {string.Join("; ", r.Problems)}";
            yield break;
        }
        if (!r.Passed)
        {
            yield return $"{r.App}: FAILED: {r.ProblemCount} problem{(r.ProblemCount == 1 ? "" : "s")} in snapshot {Describe(r)}";
            foreach (var p in r.Problems) yield return "  " + Display.Text(p);
            if (r.ProblemCount > r.Problems.Count) yield return $"  (and {r.ProblemCount - r.Problems.Count} more)";
            yield break;
        }
        var files = r.SamplePercent < 100
            ? $"a {r.SamplePercent.ToString("0.##", CultureInfo.InvariantCulture)}% sample of {r.Files} file{(r.Files == 1 ? "" : "s")}"
            : $"{r.Files} file{(r.Files == 1 ? "" : "s")}";
        var line = $"{r.App}: passed, snapshot {Describe(r)}, {files} ({Format.Bytes(r.Bytes)}) restored and verified";
        if (r.FilesComparedLive > 0) line += $", {r.FilesComparedLive} also matched the live files";
        if (r.Databases > 0) line += $", {r.Databases} database{(r.Databases == 1 ? "" : "s")} intact";
        if (r.Dumps is { Count: > 0 } dumps)
        {
            line += $", {dumps.Count} dump{(dumps.Count == 1 ? "" : "s")} read back whole";
            var loaded = dumps.Where(d => d.ScratchTables is not null).ToList();
            if (loaded.Count > 0) line += $" ({string.Join(", ", loaded.Select(d => $"{d.Database}: {d.ScratchTables} table{(d.ScratchTables == 1 ? "" : "s")} loaded into {d.ScratchDatabase}"))})";
        }
        yield return line + $", {r.DurationSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
    }

    /// <summary>
    /// The live line: "plex: restoring 1200/50236 files, 120.000 MiB/488.904 MiB ETA 0:41", then "verifying 300/50236
    /// items ETA 0:12": the time left at the rate of the last seconds of that phase (bytes, then items).
    /// </summary>
    private static string Status(RestoreTestProgress p, TimeSpan elapsed, ProgressRate rate) => p.Phase switch
    {
        RestoreTestPhase.Restoring => $"{p.App}: restoring {p.FilesRestored}/{p.Files} files, {Format.Bytes(p.BytesRestored)}/{Format.Bytes(p.Bytes)}{Format.Eta(rate.Update(elapsed, p.BytesRestored, p.Bytes))}",
        // a new count, below the bytes: the rate starts again with it
        RestoreTestPhase.Verifying => $"{p.App}: verifying {p.ItemsChecked}/{p.Items} items{Format.Eta(rate.Update(elapsed, p.ItemsChecked, p.Items))}",
        RestoreTestPhase.CheckingDatabases => $"{p.App}: PRAGMA integrity_check on the restored databases",
        RestoreTestPhase.CheckingDumps => $"{p.App}: reading the database dumps back",
        RestoreTestPhase.RemovingScratch => $"{p.App}: removing the scratch copy",
        _ => $"{p.App}: reading the snapshot",
    };

    private static string Describe(RestoreTestRecord r) =>
        $"{r.SnapshotId[..Math.Min(8, r.SnapshotId.Length)]} of {r.SnapshotTime.ToLocalTime():yyyy-MM-dd HH:mm:ss}";

    private sealed class Observer(CommandContext ctx, string indent) : IRestoreTestObserver
    {
        public ProgressLine? Progress { get; set; }

        public void AppStarting(AppConfig app, Snapshot snapshot, long files, long bytes)
        {
            Progress?.Clear();
            if (ctx.Verbosity > 0) ctx.Info($"{indent}{app.Name}: restoring {files} files ({Format.Bytes(bytes)}) of snapshot {snapshot.Id.ToShortString()} into a scratch directory");
        }

        public void AppFinished(RestoreTestRecord record)
        {
            if (ctx.Json) return; // the records are printed together at the end
            Progress?.Clear();
            // a failure is shown even with --quiet
            if (record.Passed && ctx.Quiet) return;
            foreach (var line in Lines(record)) ctx.Out.WriteLine(indent + line);
        }
    }
}
