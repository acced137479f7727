using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Reading;

namespace Lifeboat.Cli.Commands;

public sealed class StatsCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshot ID|APP") { Arity = ArgumentArity.ZeroOrMore, Description = "the snapshots (IDs or \"latest\"; default: all); with a lifeboat.yaml: the app first, then some of its snapshots" };
        var mode = new Option<string>("--mode") { Description = "counting mode: restore-size (default), files-by-contents, blobs-per-file or raw-data", DefaultValueFactory = _ => "restore-size" };
        var filter = new SnapshotFilterOptions();
        var command = new Command("stats", """
            Scan the repository and show basic statistics

            With a lifeboat.yaml (stack mode, no -r): stats APP [ID|latest...] counts the app's snapshots (default: all
            of them); stats without an app counts the whole repository.
            Example: lifeboat stats sonarr latest
            """) { ids, mode };
        filter.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var modeName = parse.GetValue(mode) ?? "restore-size";
            var statsMode = StatsCalculator.ParseMode(modeName)
                ?? throw new CliException($"unknown counting mode: {modeName} (use the -h flag to get a list of supported modes)");
            var wanted = parse.GetValue(ids) ?? [];
            // stack mode: `stats APP [ID...]` counts the app's snapshots
            AppConfig? app = null;
            if (ctx.StackConfig is { } stack)
            {
                app = wanted.Length > 0 ? stack.FindApp(wanted[0]) : null;
                if (app is null) new StackReading(stack, "stats").RejectBareLatest(wanted, !filter.Get(parse).IsEmpty);
            }
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
            var snapshots = app is not null
                ? [.. await StackReading.HistoryAsync(repo, app, wanted[1..], filter.Get(parse), ct)]
                : await SelectSnapshotsAsync(repo, wanted, filter.Get(parse), ct);
            if (!ctx.Json) ctx.Info("scanning...");
            var calculator = new StatsCalculator(repo, statsMode);
            foreach (var sn in snapshots) await calculator.AddSnapshotAsync(sn, ct);
            var result = calculator.Finish();
            if (ctx.Json)
            {
                JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("total_size", result.TotalSize);
                    w.WriteNumber("total_file_count", result.TotalFileCount);
                    if (result.TotalBlobCount != 0) w.WriteNumber("total_blob_count", result.TotalBlobCount);
                    w.WriteNumber("snapshots_count", result.SnapshotsCount);
                    w.WriteEndObject();
                });
                return ExitCodes.Ok;
            }
            ctx.Out.WriteLine($"Stats in {StatsCalculator.ModeName(statsMode)} mode:");
            ctx.Out.WriteLine($"Snapshots processed:   {result.SnapshotsCount}");
            if (result.TotalBlobCount > 0) ctx.Out.WriteLine($"   Total Blob Count:   {result.TotalBlobCount}");
            if (result.TotalFileCount > 0) ctx.Out.WriteLine($"   Total File Count:   {result.TotalFileCount}");
            ctx.Out.WriteLine($"         Total Size:   {Format.Bytes((long)result.TotalSize),-5}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>The snapshots named (IDs, prefixes, "latest"), else every snapshot the filter admits.</summary>
    internal static async Task<List<Snapshot>> SelectSnapshotsAsync(Engine.Repository.Repository repo, string[] ids, Engine.Repository.SnapshotFilter filter, CancellationToken ct)
    {
        if (ids.Length == 0) return (await repo.ListSnapshotsAsync(ct)).Where(filter.Matches).ToList();
        var list = new List<Snapshot>();
        foreach (var id in ids) list.Add(await repo.FindSnapshotAsync(id, filter, ct));
        return list;
    }
}
