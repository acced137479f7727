using System.CommandLine;
using System.Globalization;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Cli.Commands;

/// <summary>prune's options, shared with forget --prune as restic shares them.</summary>
public sealed class PruneOptionSet
{
    public readonly Option<string> MaxUnused = new("--max-unused") { Description = "tolerate given limit of unused data (absolute value in bytes with suffixes k/K, m/M, g/G, t/T, a value in % or the word 'unlimited')", DefaultValueFactory = _ => "5%" };
    public readonly Option<string?> MaxRepackSize = new("--max-repack-size") { Description = "maximum size to repack (allowed suffixes: k/K, m/M, g/G, t/T)" };
    public readonly Option<bool> RepackCacheableOnly = new("--repack-cacheable-only") { Description = "only repack packs which are cacheable" };
    public readonly Option<bool> RepackUncompressed = new("--repack-uncompressed") { Description = "repack all uncompressed data" };
    public readonly Option<bool> RepackSmall = new("--repack-small") { Description = "repack pack files below 80% of target pack size" };
    public readonly Option<string?> RepackSmallerThan = new("--repack-smaller-than") { Description = "pack below-limit packfiles (allowed suffixes: k/K, m/M)" };

    public void AddTo(Command command)
    {
        command.Options.Add(MaxUnused);
        command.Options.Add(MaxRepackSize);
        command.Options.Add(RepackCacheableOnly);
        command.Options.Add(RepackUncompressed);
        command.Options.Add(RepackSmall);
        command.Options.Add(RepackSmallerThan);
    }

    public PruneOptions Get(ParseResult parse, bool dryRun)
    {
        try
        {
            return new PruneOptions
            {
                MaxUnusedBytes = PruneOptions.ParseMaxUnused(parse.GetValue(MaxUnused) ?? "5%"),
                MaxRepackBytes = parse.GetValue(MaxRepackSize) is { } size ? PruneOptions.ParseSize(size, "--max-repack-size") : long.MaxValue,
                RepackCacheableOnly = parse.GetValue(RepackCacheableOnly),
                RepackUncompressed = parse.GetValue(RepackUncompressed),
                RepackSmall = parse.GetValue(RepackSmall),
                SmallPackBytes = parse.GetValue(RepackSmallerThan) is { } small ? PruneOptions.ParseSize(small, "--repack-smaller-than") : 0,
                DryRun = dryRun,
            };
        }
        catch (FormatException e)
        {
            throw new CliException(e.Message);
        }
    }
}

public sealed class PruneCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var options = new PruneOptionSet();
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "do not modify the repository, just print what would be done" };
        var command = new Command("prune", "Remove unneeded data from the repository") { dryRun };
        options.AddTo(command);
        var notify = NotifyOption.Create();
        command.Options.Add(notify);
        command.SetAction((parse, ct) => NotifyOption.RunAsync(global, parse, notify, Lifeboat.Stack.Operations.JobKind.Prune, [], job => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse, job);
            var pruneOptions = options.Get(parse, parse.GetValue(dryRun));
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: true, ct, loadIndex: true);
            await RunAsync(ctx, repo, pruneOptions, ct);
            return ExitCodes.Ok;
        }, ct)));
        return command;
    }

    /// <summary>
    /// Plans, prints restic's statistics and (unless a dry run) carries out the prune. Options the repository cannot take
    /// are the engine's to refuse (<see cref="Pruner.CheckOptions"/>): its error is the command's one line and exit code 1.
    /// </summary>
    public static async Task RunAsync(CommandContext ctx, Repository repo, PruneOptions options, CancellationToken ct)
    {
        ProgressLine? progress = null;
        long repacked = 0;
        var pruner = new Pruner(repo, options, line =>
        {
            progress?.Clear();
            ctx.Info(line);
        }) { PackRepacked = () => Interlocked.Increment(ref repacked) };
        var plan = await pruner.PlanAsync(ct);
        var s = plan.Statistics;
        var lines = new List<string>
        {
            "",
            $"to repack:    {s.RepackBlobs,10} blobs / {Format.Bytes(s.RepackBytes)}",
            $"this removes: {s.RepackRemovedBlobs,10} blobs / {Format.Bytes(s.RepackRemovedBytes)}",
            $"to delete:    {s.RemoveBlobs,10} blobs / {Format.Bytes(s.RemoveBytes + s.UnreferencedBytes)}",
            $"total prune:  {s.PrunedBlobs,10} blobs / {Format.Bytes(s.PrunedBytes)}",
            $"remaining:    {s.TotalBlobs - s.PrunedBlobs,10} blobs / {Format.Bytes(s.TotalBytes - s.PrunedBytes)}",
            $"unused size after prune: {Format.Bytes(s.UnusedBytesAfter)} ({Percent(s.UnusedBytesAfter, s.TotalBytes - s.PrunedBytes)} of remaining size)",
            "",
        };
        if (ctx.Verbosity > 0)
        {
            lines.InsertRange(0,
            [
                "",
                $"used:         {s.UsedBlobs,10} blobs / {Format.Bytes(s.UsedBytes)}",
                .. s.DuplicateBlobs > 0 ? [$"duplicates:   {s.DuplicateBlobs,10} blobs / {Format.Bytes(s.DuplicateBytes)}"] : Array.Empty<string>(),
                $"unused:       {s.UnusedBlobs,10} blobs / {Format.Bytes(s.UnusedBytes)}",
                .. s.UnreferencedBytes > 0 ? [$"unreferenced:                    {Format.Bytes(s.UnreferencedBytes)}"] : Array.Empty<string>(),
                $"total:        {s.TotalBlobs,10} blobs / {Format.Bytes(s.TotalBytes)}",
                $"unused size: {Percent(s.UnusedBytes, s.TotalBytes)} of total size",
            ]);
            lines.AddRange(
            [
                $"totally used packs: {s.UsedPacks,10}",
                $"partly used packs:  {s.PartlyUsedPacks,10}",
                $"unused packs:       {s.UnusedPacks,10}",
                "",
                $"to keep:      {s.KeepPacks,10} packs",
                $"to repack:    {plan.RepackPacks.Count,10} packs",
                $"to delete:    {plan.RemovePacks.Count,10} packs",
            ]);
            if (plan.UnreferencedPacks.Count > 0) lines.Add($"to delete:    {plan.UnreferencedPacks.Count,10} unreferenced packs");
            lines.Add("");
        }
        foreach (var line in lines) ctx.Info(line);
        if (options.DryRun) return;
        // the repacking's packs of the plan's total, on a terminal
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rate = new ProgressRate();
        using (progress = new ProgressLine(ctx.ShowProgress && plan.RepackPacks.Count > 0,
                   () => PackProgress.Text(clock.Elapsed, Interlocked.Read(ref repacked), plan.RepackPacks.Count, rate)))
            await pruner.ExecuteAsync(plan, ct);
    }

    private static string Percent(long part, long whole) =>
        whole == 0 ? "0.00%" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole:0.00}%");
}
