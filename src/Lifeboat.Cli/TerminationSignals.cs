using System.Runtime.InteropServices;

namespace Lifeboat.Cli;

/// <summary>
/// Ctrl-C and SIGTERM for every command that does not handle them itself: the first cancels the command's token, and
/// the command cleans up (unfinished packs discarded, its lock removed) and exits 130; one that has not finished
/// <c>cleanup</c> later is abandoned with 130 (SIGINT) or 143 (SIGTERM). Registered before the command starts:
/// System.CommandLine's own handlers are only in place once the command's first await yields, and a signal before that
/// (a command whose local work completes synchronously, a server that printed its address) ended the process at
/// once with 143, skipping the clean-up and leaving its lock behind.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly TaskCompletionSource<int> _abandoned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _cleanup;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _signalled;

    public TerminationSignals(TimeSpan cleanup)
    {
        _cleanup = cleanup;
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Runs the command with the token the first signal cancels; its exit code, or the signal's once it is abandoned.</summary>
    public async Task<int> RunAsync(Func<CancellationToken, Task<int>> command)
    {
        var run = command(_cancel.Token);
        return await (await Task.WhenAny(run, _abandoned.Task).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the process ends when the command has cleaned up, not now
        if (Interlocked.Exchange(ref _signalled, 1) == 1) return;
        int abandonedExit = context.Signal == PosixSignal.SIGINT ? 130 : 143;
        try
        {
            _cancel.Cancel();
        }
        catch (AggregateException e)
        {
            _abandoned.TrySetException(e);
            return;
        }
        _ = Task.Delay(_cleanup).ContinueWith(_ => _abandoned.TrySetResult(abandonedExit), TaskScheduler.Default);
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancel.Dispose();
    }
}
