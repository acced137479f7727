using Lifeboat.Cli.Rendering;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>`lifeboat snapshots [APP...] [--json]` in stack mode: the history per app.</summary>
public static class StackSnapshotsCommand
{
    public static async Task<int> RunAsync(CommandContext ctx, StackConfig config, IReadOnlyList<string> appNames, bool compact, CancellationToken cancellationToken)
    {
        var apps = config.SelectApps(appNames);
        await using var repo = await ctx.OpenRepositoryAsync(cancellationToken);
        IReadOnlyList<AppHistory> histories = [];
        // read while the written lock waits for its re-check, as the plain snapshots command does
        await using var repoLock = await ctx.LockAsync(repo, exclusive: false, cancellationToken,
            whileLocking: async ct => histories = await StackSnapshots.ListAsync(repo, apps, ct));
        if (ctx.Json)
        {
            // [{"app": "plex", "snapshots": [restic's snapshot objects]}, ...]
            JsonOutput.Line(w =>
            {
                w.WriteStartArray();
                foreach (var h in histories)
                {
                    w.WriteStartObject();
                    w.WriteString("app", h.App.Name);
                    w.WriteStartArray("snapshots");
                    foreach (var s in h.Snapshots) SnapshotsCommand.WriteSnapshot(w, s);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return ExitCodes.Ok;
        }
        bool first = true;
        foreach (var h in histories)
        {
            if (!first) ctx.Out.WriteLine();
            first = false;
            ctx.Out.WriteLine($"{h.App.Name} ({string.Join(", ", h.App.Paths.Select(p => Display.Text(p)))})");
            SnapshotsCommand.PrintTable(ctx, h.Snapshots.ToList(), compact);
        }
        if (config.Offsite is { } offsite) await PrintOffsiteAsync(ctx, config, offsite, histories, cancellationToken);
        return ExitCodes.Ok;
    }

    /// <summary>How much of each app's history the offsite repository holds: "plex: 12 of 12 snapshots".</summary>
    private static async Task PrintOffsiteAsync(CommandContext ctx, StackConfig config, OffsiteConfig offsite, IReadOnlyList<AppHistory> histories, CancellationToken cancellationToken)
    {
        var location = Engine.Storage.BackendFactory.Redact(offsite.Repository);
        ctx.Out.WriteLine();
        try
        {
            await using var target = await ctx.OpenOffsiteRepositoryAsync(config, offsite, cancellationToken);
            List<Engine.Model.Snapshot> copies = [];
            await using var targetLock = await ctx.LockAsync(target, exclusive: false, cancellationToken,
                whileLocking: async ct => copies = await target.ListSnapshotsAsync(ct));
            var originals = copies.Select(c => c.Original ?? c.Id).ToHashSet();
            ctx.Out.WriteLine($"offsite {location}:");
            foreach (var h in histories)
            {
                int there = h.Snapshots.Count(s => originals.Contains(s.Original ?? s.Id));
                int missing = h.Snapshots.Count - there;
                int onlyOffsite = copies.Count(c => c.HasTag(h.App.Tag)) - there;
                ctx.Out.WriteLine($"  {h.App.Name}: {there} of {h.Snapshots.Count} snapshots" +
                                  (missing > 0 ? $" ({missing} to copy at the next backup run)" : "") +
                                  (onlyOffsite > 0 ? $", {onlyOffsite} more kept only there" : ""));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ctx.Out.WriteLine($"offsite {location}: not reachable: {Display.Text(e.Message)}");
        }
    }
}
