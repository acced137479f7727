using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Cli.Commands;

/// <summary>restic 0.14's check: the same steps, progress lines, hints, errors and exit code (1 when errors were found).</summary>
public sealed class CheckCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var readData = new Option<bool>("--read-data") { Description = "read all data blobs" };
        var readDataSubset = new Option<string?>("--read-data-subset") { Description = "read a subset of data packs, specified as 'n/t' for specific part, or either 'x%' or 'x.y%' or a size in bytes with suffixes k/K, m/M, g/G, t/T for a random subset" };
        var checkUnused = new Option<bool>("--check-unused") { Description = "find unused blobs" };
        var withCache = new Option<bool>("--with-cache") { Description = "use the cache (the local backend needs none; accepted for compatibility)" };
        var command = new Command("check", "Check the repository for errors") { readData, readDataSubset, checkUnused, withCache };
        var notify = NotifyOption.Create();
        command.Options.Add(notify);
        command.SetAction((parse, ct) => NotifyOption.RunAsync(global, parse, notify, Lifeboat.Stack.Operations.JobKind.Check, [], job => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse, job);
            CheckSubset? subset = null;
            if (parse.GetValue(readData) && parse.GetValue(readDataSubset) is not null)
                throw new CliException("check flags --read-data and --read-data-subset cannot be used together");
            if (parse.GetValue(readData)) subset = new CheckSubset.All();
            else if (parse.GetValue(readDataSubset) is { } text)
            {
                try { subset = CheckSubset.Parse(text); }
                catch (FormatException e) { throw new CliException(e.Message); }
            }

            await using var repo = await ctx.OpenRepositoryAsync(ct);
            if (!ctx.NoLock) ctx.Info("create exclusive lock for repository");
            var checker = new Checker(repo, problem => Render(ctx, problem));
            bool indexLoaded = false;
            await using var repoLock = await ctx.LockAsync(repo, exclusive: true, ct, whileLocking: async c =>
            {
                ctx.Info("load indexes");
                indexLoaded = await checker.LoadIndexAsync(c);
            });
            var hints = checker.Problems.Where(p => !p.IsError).Select(p => p.Kind).ToHashSet();
            if (hints.Contains(CheckProblemKind.DuplicatePack) || hints.Contains(CheckProblemKind.OldIndexFormat))
                ctx.Info("This is non-critical, you can run `restic rebuild-index' to correct this");
            if (hints.Contains(CheckProblemKind.MixedPack))
                ctx.Info("Mixed packs with tree and data blobs are non-critical, you can run `restic prune` to correct this.");
            if (!indexLoaded) throw new CliException("LoadIndex returned errors");

            ctx.Info("check all packs");
            await checker.CheckPacksAsync(ct);
            int orphans = checker.Problems.Count(p => p.Kind == CheckProblemKind.PackOrphaned);
            if (orphans > 0)
                ctx.Info($"{orphans} additional files were found in the repo, which likely contain duplicate data.\nThis is non-critical, you can run `restic prune` to correct this.");

            ctx.Info("check snapshots, trees and blobs");
            await checker.CheckStructureAsync(ct);
            if (parse.GetValue(checkUnused)) checker.CheckUnusedBlobs();

            if (subset is not null)
            {
                var packs = checker.IndexedPacks;
                var selected = subset.Select(packs);
                ctx.Info(subset switch
                {
                    CheckSubset.Bucket b => $"read group #{b.Number} of {selected.Count} data packs (out of total {packs.Count} packs in {b.Total} groups)",
                    CheckSubset.Percentage p => $"read {p.Percent.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}% of data packs",
                    CheckSubset.Size s => $"read {Math.Min(s.Bytes, packs.Values.Sum())} bytes of data packs",
                    _ => "read all data",
                });
                long packsRead = 0;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var rate = new ProgressRate();
                using (new ProgressLine(ctx.ShowProgress, () => PackProgress.Text(clock.Elapsed, Interlocked.Read(ref packsRead), selected.Count, rate)))
                    await checker.ReadPacksAsync(selected, () => Interlocked.Increment(ref packsRead), ct);
            }

            if (checker.ErrorsFound) throw new CliException("repository contains errors");
            ctx.Info("no errors were found");
            return ExitCodes.Ok;
        }, ct)));
        return command;
    }

    private static void Render(CommandContext ctx, CheckProblem problem)
    {
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
}
