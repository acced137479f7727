namespace Lifeboat.Stack.Containers;

/// <summary>
/// Containers stopped for the length of a backup and started again afterwards:
/// <code>
/// await using (var stopped = await ContainerStopScope.StopRunningAsync(docker, ["plex", "db"], ct))
/// {
///     ... copy their data ...
/// }   // plex and db run again here, also when the body threw or ct was cancelled
/// </code>
/// Only the containers that were running are stopped, and only those are started again, in the reverse order of the
/// list (stopping in list order, so list the dependents before what they depend on, as compose stops them).
/// </summary>
public sealed class ContainerStopScope : IAsyncDisposable
{
    /// <summary>How long one container may take to start again; the restart does not follow the caller's token.</summary>
    internal static TimeSpan RestartTimeout { get; set; } = TimeSpan.FromMinutes(2);

    private readonly IContainerControl _control;
    private readonly IContainerStopJournal? _journal;
    private readonly List<string> _stopped;
    private readonly object _gate = new();
    private Task? _restart;

    private ContainerStopScope(IContainerControl control, IContainerStopJournal? journal, List<string> stopped, List<string> notRunning)
    {
        _control = control;
        _journal = journal;
        _stopped = stopped;
        NotRunning = notRunning;
    }

    /// <summary>The containers this scope stopped, in the order it stopped them.</summary>
    public IReadOnlyList<string> Stopped => _stopped;

    /// <summary>The containers that were not running to begin with: left alone, so they stay stopped.</summary>
    public IReadOnlyList<string> NotRunning { get; }

    /// <summary>
    /// Stops those of <paramref name="names"/> that are running and remembers them. A name the daemon does not know
    /// fails the whole call before anything is stopped (a <see cref="ContainerControlException"/> naming all such).
    /// When a stop fails or <paramref name="cancellationToken"/> is cancelled part way, the containers stopped so far
    /// are started again before the error is thrown.
    /// </summary>
    /// <param name="journal">Told of each stop before it happens and of each start once done: a process killed in
    /// between leaves the record a later run restarts the container by.</param>
    public static async Task<ContainerStopScope> StopRunningAsync(IContainerControl control, IReadOnlyList<string> names,
        CancellationToken cancellationToken, IContainerStopJournal? journal = null)
    {
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(names);

        var running = new List<string>();
        var notRunning = new List<string>();
        var missing = new List<string>();
        foreach (string name in names.Distinct(StringComparer.Ordinal))
        {
            var state = await control.InspectAsync(name, cancellationToken).ConfigureAwait(false);
            if (!state.Exists) missing.Add(name);
            else if (state.Running) running.Add(name);
            else notRunning.Add(name);
        }
        if (missing.Count > 0)
        {
            throw new ContainerControlException(missing.Count == 1
                ? $"docker: no such container: {missing[0]}"
                : $"docker: no such containers: {string.Join(", ", missing)}");
        }

        var scope = new ContainerStopScope(control, journal, new List<string>(running.Count), notRunning);
        foreach (string name in running)
        {
            try
            {
                journal?.Stopping(name);
                await control.StopAsync(name, cancellationToken).ConfigureAwait(false);
                scope._stopped.Add(name);
            }
            catch (Exception stopError)
            {
                // It may have stopped all the same (a timeout, a cancellation after the daemon had begun): it was
                // running, so it is started again too; starting a running container does nothing.
                scope._stopped.Add(name);
                await WaitOutStopAsync(control, name).ConfigureAwait(false);
                try
                {
                    await scope.RestartAsync().ConfigureAwait(false);
                }
                catch (ContainerControlException restartError)
                {
                    throw new ContainerControlException(
                        $"{OneLine(stopError)}; and then {restartError.Message}",
                        new AggregateException(stopError, restartError));
                }
                throw;
            }
        }
        return scope;
    }

    /// <summary>
    /// Waits until a stop the Docker daemon may still be carrying out has ended (a second stop waits for it; of a
    /// stopped container it does nothing). A cancelled request does not cancel the daemon's stop: a start sent at once
    /// would find the container still running, do nothing, and the stop would then leave it stopped for good. Errors
    /// are left to the start that follows.
    /// </summary>
    internal static async Task WaitOutStopAsync(IContainerControl control, string name)
    {
        using var timeout = new CancellationTokenSource(RestartTimeout);
        try
        {
            await control.StopAsync(name, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ContainerControlException or OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Starts the containers this scope stopped (reverse order). Runs once: later calls, and <see cref="DisposeAsync"/>,
    /// return the first call's outcome. It does not take the caller's token: a cancelled backup still leaves the
    /// stack running; each start has <see cref="RestartTimeout"/>. Every container is tried; the failures come back
    /// together as one <see cref="ContainerControlException"/>.
    /// </summary>
    public Task RestartAsync()
    {
        lock (_gate)
        {
            return _restart ??= RestartAllAsync();
        }
    }

    public async ValueTask DisposeAsync() => await RestartAsync().ConfigureAwait(false);

    private async Task RestartAllAsync()
    {
        await Task.Yield(); // never run the starts under the lock
        var errors = new List<Exception>();
        for (int i = _stopped.Count - 1; i >= 0; i--)
        {
            string name = _stopped[i];
            using var timeout = new CancellationTokenSource(RestartTimeout);
            try
            {
                await _control.StartAsync(name, timeout.Token).ConfigureAwait(false);
                _journal?.Started(name);
            }
            catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
            {
                errors.Add(new ContainerControlException(
                    $"docker: cannot start container {name}: no answer within {RestartTimeout.TotalSeconds:0} s", e));
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }
        if (errors.Count == 1)
            throw errors[0] as ContainerControlException ?? new ContainerControlException(OneLine(errors[0]), errors[0]);
        if (errors.Count > 1)
        {
            throw new ContainerControlException(
                $"docker: {errors.Count} containers did not start again: {string.Join("; ", errors.Select(OneLine))}",
                new AggregateException(errors));
        }
    }

    private static string OneLine(Exception e) =>
        string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
