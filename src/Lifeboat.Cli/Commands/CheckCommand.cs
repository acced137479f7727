using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// restic 0.14's check: the same steps, progress lines, hints, errors and exit code (1 when errors were found); restic
/// 0.17's advice for damaged packs, 0.18's --json (error lines on stderr, a summary on stdout) and 0.19's snapshot
/// selection (IDs, --host, --tag, --path: only those snapshots' trees are walked and only their packs read).
/// </summary>
public sealed class CheckCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshotID") { Arity = ArgumentArity.ZeroOrMore, Description = "only check these snapshots and the packs they use (default: all, as the filters select)" };
        var readData = new Option<bool>("--read-data") { Description = "read all data blobs" };
        var readDataSubset = new Option<string?>("--read-data-subset") { Description = "read a subset of data packs, specified as 'n/t' for specific part, or either 'x%' or 'x.y%' or a size in bytes with suffixes k/K, m/M, g/G, t/T for a random subset" };
        var checkUnused = new Option<bool>("--check-unused") { Description = "find unused blobs" };
        var withCache = new Option<bool>("--with-cache") { Description = "use the cache (the local backend needs none; accepted for compatibility)" };
        var filter = new SnapshotFilterOptions();
        var command = new Command("check", "Check the repository for errors") { ids, readData, readDataSubset, checkUnused, withCache };
        filter.AddTo(command);
        var notify = NotifyOption.Create();
        command.Options.Add(notify);
        command.SetAction((parse, ct) => NotifyOption.RunAsync(global, parse, notify, Lifeboat.Stack.Operations.JobKind.Check, [], job => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse, job);
            var summary = new CheckSummary();
            bool passed = false;
            try
            {
                passed = await RunAsync(ctx, summary, parse.GetValue(ids) ?? [], filter.Get(parse), parse.GetValue(readData), parse.GetValue(readDataSubset),
                    parse.GetValue(checkUnused), ct);
                return ExitCodes.Ok;
            }
            finally
            {
                // restic 0.18 prints the summary in JSON mode whatever happened, with at least one error when it failed
                if (ctx.Json)
                {
                    if (!passed && summary.NumErrors == 0) summary.NumErrors = 1;
                    summary.Write();
                }
            }
        }, ct)));
        return command;
    }

    /// <summary>The check itself; true when no errors were found, else a <see cref="CliException"/>.</summary>
    private static async Task<bool> RunAsync(CommandContext ctx, CheckSummary summary, string[] ids, Engine.Repository.SnapshotFilter filter,
        bool readData, string? readDataSubset, bool checkUnused, CancellationToken ct)
    {
        // restic's JSON mode prints only the error lines and the summary
        void Info(string line)
        {
            if (!ctx.Json) ctx.Info(line);
        }

        CheckSubset? subset = null;
        if (readData && readDataSubset is not null)
            throw new CliException("check flags --read-data and --read-data-subset cannot be used together");
        if (readData) subset = new CheckSubset.All();
        else if (readDataSubset is { } text)
        {
            try { subset = CheckSubset.Parse(text); }
            catch (FormatException e) { throw new CliException(e.Message); }
        }

        await using var repo = await ctx.OpenRepositoryAsync(ct);
        if (!ctx.NoLock) Info("create exclusive lock for repository");
        var checker = new Checker(repo, problem => Render(ctx, summary, problem));
        bool indexLoaded = false;
        await using var repoLock = await ctx.LockAsync(repo, exclusive: true, ct, whileLocking: async c =>
        {
            Info("load indexes");
            indexLoaded = await checker.LoadIndexAsync(c);
        });
        List<Id>? selected = null;
        if (ids.Length > 0 || !filter.IsEmpty)
            selected = [.. (await RewriteCommand.SelectAsync(repo, ids, filter, ct)).Select(s => s.Id)];

        var hints = checker.Problems.Where(p => !p.IsError).Select(p => p.Kind).ToHashSet();
        if (hints.Contains(CheckProblemKind.DuplicatePack) || hints.Contains(CheckProblemKind.OldIndexFormat))
        {
            summary.SuggestRepairIndex = true;
            Info("This is non-critical, you can run `restic rebuild-index' to correct this");
        }
        if (hints.Contains(CheckProblemKind.MixedPack))
        {
            summary.SuggestPrune = true;
            Info("Mixed packs with tree and data blobs are non-critical, you can run `restic prune` to correct this.");
        }
        if (!indexLoaded)
        {
            summary.SuggestRepairIndex = true;
            throw new CliException("LoadIndex returned errors");
        }

        Info("check all packs");
        await checker.CheckPacksAsync(ct);
        int orphans = checker.Problems.Count(p => p.Kind == CheckProblemKind.PackOrphaned);
        if (orphans > 0)
        {
            summary.SuggestPrune = true;
            Info($"{orphans} additional files were found in the repo, which likely contain duplicate data.\nThis is non-critical, you can run `restic prune` to correct this.");
        }

        Info("check snapshots, trees and blobs");
        await checker.CheckStructureAsync(ct, selected);
        // A selection leaves the other snapshots' blobs unmarked: they would all be reported as unused.
        if (checkUnused && selected is null) checker.CheckUnusedBlobs();
        else if (checkUnused) ctx.Warn("--check-unused is ignored when snapshots are selected");

        if (subset is not null)
        {
            var packs = selected is null ? checker.IndexedPacks : checker.UsedPacks();
            var chosen = subset.Select(packs);
            string data = selected is null ? "data" : "filtered data";
            Info(subset switch
            {
                CheckSubset.Bucket b => $"read group #{b.Number} of {chosen.Count} {data} packs (out of total {packs.Count} packs in {b.Total} groups)",
                CheckSubset.Percentage p => $"read {p.Percent.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}% of {data} packs",
                CheckSubset.Size s => $"read {Math.Min(s.Bytes, packs.Values.Sum())} bytes of {data} packs",
                _ => $"read all {data}",
            });
            long packsRead = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var rate = new ProgressRate();
            using (new ProgressLine(ctx.ShowProgress, () => PackProgress.Text(clock.Elapsed, Interlocked.Read(ref packsRead), chosen.Count, rate)))
                await checker.ReadPacksAsync(chosen, () => Interlocked.Increment(ref packsRead), ct);
        }

        var damaged = checker.Problems.Where(p => p.Kind is CheckProblemKind.PackDamaged or CheckProblemKind.PackSizeMismatch && p.Pack is not null)
            .Select(p => p.Pack!.Value).Distinct().Order().ToList();
        if (damaged.Count > 0)
        {
            summary.BrokenPacks = damaged;
            if (!ctx.Json)
                ctx.Error.WriteLine($"""

                    The repository contains damaged pack files. These damaged files must be removed to repair the repository. This can be done using the following commands. Please read the troubleshooting guide at https://restic.readthedocs.io/en/stable/077_troubleshooting.html first.

                    restic repair packs {string.Join(" ", damaged)}
                    restic repair snapshots --forget

                    """);
        }
        if (checker.ErrorsFound) throw new CliException("repository contains errors");
        Info("no errors were found");
        return true;
    }

    private static void Render(CommandContext ctx, CheckSummary summary, CheckProblem problem)
    {
        if (problem.IsError && problem.Kind != CheckProblemKind.UnusedBlob) summary.NumErrors++;
        if (ctx.Json)
        {
            if (problem.IsError) CheckSummary.WriteError(problem.Kind is CheckProblemKind.PackMissing or CheckProblemKind.PackSizeMismatch or CheckProblemKind.PackDamaged or CheckProblemKind.UnusedBlob
                ? problem.Message : $"error: {problem.Message}");
            return;
        }
        switch (problem.Kind)
        {
            case CheckProblemKind.PackOrphaned:
                if (ctx.Verbosity > 0) ctx.Info(problem.Message);
                break;
            case CheckProblemKind.OldIndexFormat or CheckProblemKind.DuplicatePack or CheckProblemKind.MixedPack:
                ctx.Info(problem.Message);
                break;
            case CheckProblemKind.PackMissing or CheckProblemKind.PackSizeMismatch or CheckProblemKind.PackDamaged or CheckProblemKind.UnusedBlob:
                ctx.Error.WriteLine(problem.Message);
                break;
            default:
                ctx.Error.WriteLine($"error: {problem.Message}");
                break;
        }
    }

    /// <summary>restic 0.18's check summary for --json, and its error lines.</summary>
    private sealed class CheckSummary
    {
        public int NumErrors { get; set; }
        public List<Id>? BrokenPacks { get; set; }
        public bool SuggestRepairIndex { get; set; }
        public bool SuggestPrune { get; set; }

        /// <summary>{"message_type":"summary","num_errors":…,"broken_packs":[…]|null,"suggest_repair_index":…,"suggest_prune":…} on stdout.</summary>
        public void Write() => JsonOutput.Line(w =>
        {
            w.WriteStartObject();
            w.WriteString("message_type", "summary");
            w.WriteNumber("num_errors", NumErrors);
            w.WritePropertyName("broken_packs");
            if (BrokenPacks is null) w.WriteNullValue();
            else
            {
                w.WriteStartArray();
                foreach (var id in BrokenPacks) w.WriteStringValue(id.ToString());
                w.WriteEndArray();
            }
            w.WriteBoolean("suggest_repair_index", SuggestRepairIndex);
            w.WriteBoolean("suggest_prune", SuggestPrune);
            w.WriteEndObject();
        });

        /// <summary>{"message_type":"error","message":…} on stderr.</summary>
        public static void WriteError(string message) => JsonOutput.ErrorLine(w =>
        {
            w.WriteStartObject();
            w.WriteString("message_type", "error");
            w.WriteString("message", Display.Text(message));
            w.WriteEndObject();
        });
    }
}
