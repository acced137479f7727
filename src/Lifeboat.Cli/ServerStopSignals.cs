using System.Runtime.InteropServices;

namespace Lifeboat.Cli;

/// <summary>
/// SIGTERM and Ctrl-C for a command that serves until told to stop (daemon, dashboard): the first cancels
/// <see cref="Token"/> and the command stops its running job and its server and exits by itself; later ones are
/// absorbed. Created before the server listens: its address may be printed before System.CommandLine's own handlers
/// would be in place, and a signal in between ended the process with 143 instead of stopping it.
/// </summary>
internal sealed class ServerStopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Action<PosixSignal>? _onStop;
    private readonly PosixSignalRegistration _terminate;
    private readonly PosixSignalRegistration _interrupt;
    private int _signalled;

    /// <param name="onStop">called once, with the first signal, before the token is cancelled (e.g. to log it)</param>
    public ServerStopSignals(Action<PosixSignal>? onStop = null)
    {
        _onStop = onStop;
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    public CancellationToken Token => _stop.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the command exits by itself once the running job has stopped
        if (Interlocked.Exchange(ref _signalled, 1) == 1) return;
        _onStop?.Invoke(context.Signal);
        _stop.Cancel();
    }

    public void Dispose()
    {
        _terminate.Dispose();
        _interrupt.Dispose();
        _stop.Dispose();
    }
}
