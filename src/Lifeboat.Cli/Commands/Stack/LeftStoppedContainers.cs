using Lifeboat.Cli.Rendering;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.State;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>
/// The first step of a stack command that stops containers: rolls back the in-place restores of its apps that a kill
/// interrupted (<see cref="PlacementRecovery"/>), then starts the containers a killed lifeboat left stopped (on the old
/// files), saying so in one line each on stderr (also with --quiet and --json: this is news), and gives the log in
/// which this run records its own stops.
/// </summary>
public static class LeftStoppedContainers
{
    public static async Task<ContainerStopLog> RecoverAsync(CommandContext ctx, IEnumerable<AppConfig> apps, CancellationToken cancellationToken)
    {
        RollBackInterruptedRestores(ctx, apps);
        var log = new ContainerStopLog(new StateDatabase());
        if (await StoppedContainerRecovery.RunAsync(log, StackServices.ContainerControlFactory, cancellationToken) is { } line)
            ctx.Error.WriteLine(Display.Text(line));
        return log;
    }

    /// <summary>The apps' in-place restores that a kill interrupted, undone; one line each on stderr.</summary>
    public static void RollBackInterruptedRestores(CommandContext ctx, IEnumerable<AppConfig> apps)
    {
        foreach (var line in PlacementRecovery.Run(apps)) ctx.Error.WriteLine(Display.Text(line));
    }
}
