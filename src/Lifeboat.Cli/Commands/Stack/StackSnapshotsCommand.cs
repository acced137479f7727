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
        await using var repoLock = await ctx.LockAsync(repo, exclusive: false, cancellationToken);
        var histories = await StackSnapshots.ListAsync(repo, apps, cancellationToken);
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
        return ExitCodes.Ok;
    }
}
