using Lifeboat.Cli.Rendering;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.State;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>
/// The first step of a stack command that stops containers: starts those a killed lifeboat left stopped, saying so
/// in one line on stderr (also with --quiet and --json: a container that was down is news), and gives the log in
/// which this run records its own stops.
/// </summary>
public static class LeftStoppedContainers
{
    public static async Task<ContainerStopLog> RecoverAsync(CommandContext ctx, CancellationToken cancellationToken)
    {
        var log = new ContainerStopLog(new StateDatabase());
        if (await StoppedContainerRecovery.RunAsync(log, StackServices.ContainerControlFactory, cancellationToken) is { } line)
            ctx.Error.WriteLine(Display.Text(line));
        return log;
    }
}
