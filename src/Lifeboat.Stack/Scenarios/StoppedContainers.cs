using Lifeboat.Stack.Containers;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// Runs a piece of work with an app's running containers stopped, and starts exactly those again afterwards:
/// always, also when the work fails or is cancelled (Ctrl-C and SIGTERM arrive as cancellation).
/// The stopping and starting rules live in <see cref="ContainerStopScope"/>; this adds the user's view of it.
/// </summary>
public static class StoppedContainers
{
    /// <param name="onEvent">Told which containers were stopped and started again, for the user to follow.</param>
    /// <param name="onNotRunning">Told which containers were already stopped (and are left so), before the work.</param>
    /// <param name="journal">Keeps a durable record of the containers stopped until they run again (<see cref="ContainerStopJournal"/>).</param>
    public static async Task<T> RunAsync<T>(IContainerControl control, IReadOnlyList<string> names,
        Func<CancellationToken, Task<T>> work, Action<string>? onEvent, CancellationToken cancellationToken,
        Action<IReadOnlyList<string>>? onNotRunning = null, IContainerStopJournal? journal = null)
    {
        ContainerStopScope scope;
        try
        {
            scope = await ContainerStopScope.StopRunningAsync(control, names, cancellationToken, journal).ConfigureAwait(false);
        }
        catch (ContainerControlException e) when (e.Message.StartsWith("docker: no such container", StringComparison.Ordinal))
        {
            throw new StackException($"{e.Message["docker: ".Length..]}; fix containers in the config", e);
        }
        if (scope.NotRunning.Count > 0) onNotRunning?.Invoke(scope.NotRunning);
        if (scope.Stopped.Count > 0) onEvent?.Invoke($"stopped container{(scope.Stopped.Count > 1 ? "s" : "")} {string.Join(", ", scope.Stopped)}");
        Exception? failure = null;
        try
        {
            return await work(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            try
            {
                await scope.RestartAsync().ConfigureAwait(false);
                if (scope.Stopped.Count > 0) onEvent?.Invoke($"started container{(scope.Stopped.Count > 1 ? "s" : "")} {string.Join(", ", scope.Stopped)} again");
            }
            catch (ContainerControlException restartError)
            {
                // A container left stopped is the worse news; the work's own error is kept in the message too.
                throw failure is null or OperationCanceledException
                    ? new StackException(restartError.Message, restartError)
                    : new StackException($"{failure.Message}; and {restartError.Message}", failure);
            }
        }
    }
}
