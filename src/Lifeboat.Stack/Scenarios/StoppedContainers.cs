using Lifeboat.Stack.Containers;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// Runs a piece of work with an app's running containers stopped, and starts exactly those again afterwards:
/// always, also when the work fails or is cancelled (Ctrl-C and SIGTERM arrive as cancellation).
/// </summary>
public static class StoppedContainers
{
    /// <summary>How long one container may take to start again; the restart does not follow the caller's token.</summary>
    public static TimeSpan RestartTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <param name="onEvent">Told "stopping NAME" and "starting NAME", for the user to follow.</param>
    public static async Task<T> RunAsync<T>(IContainerControl control, IReadOnlyList<string> names,
        Func<CancellationToken, Task<T>> work, Action<string>? onEvent, CancellationToken cancellationToken)
    {
        // Look at all first: a name Docker does not know fails before anything is stopped.
        var running = new List<string>();
        var missing = new List<string>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            var state = await control.InspectAsync(name, cancellationToken).ConfigureAwait(false);
            if (!state.Exists) missing.Add(name);
            else if (state.Running) running.Add(name);
        }
        if (missing.Count > 0)
            throw new StackException($"no such container{(missing.Count > 1 ? "s" : "")}: {string.Join(", ", missing)}; fix containers in the config");

        var stopped = new List<string>();
        Exception? failure = null;
        try
        {
            foreach (var name in running)
            {
                // Remembered before the call: a stop that fails or is cancelled half way may still have stopped it,
                // and starting a running container does nothing.
                stopped.Add(name);
                onEvent?.Invoke($"stopping container {name}");
                await control.StopAsync(name, cancellationToken).ConfigureAwait(false);
            }
            return await work(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            var startErrors = await StartAllAsync(control, stopped, onEvent).ConfigureAwait(false);
            if (startErrors.Count > 0)
            {
                var message = $"could not start container{(startErrors.Count > 1 ? "s" : "")} again: {string.Join("; ", startErrors)}";
                // A container left stopped is the worse news; the first error is kept too.
                throw failure is null or OperationCanceledException
                    ? new StackException(message)
                    : new StackException($"{OneLine(failure.Message)}; and {message}", failure);
            }
        }
    }

    private static async Task<List<string>> StartAllAsync(IContainerControl control, List<string> stopped, Action<string>? onEvent)
    {
        var errors = new List<string>();
        for (int i = stopped.Count - 1; i >= 0; i--)
        {
            var name = stopped[i];
            using var timeout = new CancellationTokenSource(RestartTimeout);
            try
            {
                onEvent?.Invoke($"starting container {name}");
                await control.StartAsync(name, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                errors.Add($"{name}: {OneLine(e.Message)}");
            }
        }
        return errors;
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
