namespace Lifeboat.Engine.Storage.Rest;

/// <summary>
/// Cancels a request that makes no progress for <see cref="Idle"/>: no byte sent, no header or byte received (restic's
/// stuck-request watchdog). Every sign of life pushes the deadline back, so a slow but moving transfer is never cut.
/// </summary>
internal sealed class ProgressWatchdog : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _outer;

    public ProgressWatchdog(TimeSpan idle, CancellationToken outer)
    {
        Idle = idle;
        _outer = outer;
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _source.CancelAfter(idle);
    }

    public TimeSpan Idle { get; }

    public CancellationToken Token => _source.Token;

    /// <summary>True when the watchdog, not the caller, cancelled the request.</summary>
    public bool Fired => _source.IsCancellationRequested && !_outer.IsCancellationRequested;

    public void Progress()
    {
        try { _source.CancelAfter(Idle); } catch (ObjectDisposedException) { }
    }

    /// <summary>Stops the clock until the next <see cref="Progress"/> (while the caller, not the server, is busy).</summary>
    public void Pause()
    {
        try { _source.CancelAfter(Timeout.InfiniteTimeSpan); } catch (ObjectDisposedException) { }
    }

    public void Dispose() => _source.Dispose();
}

/// <summary>A read-only stream that tells a watchdog whenever bytes pass (an upload's source, a download's body).</summary>
internal sealed class ProgressStream(Stream inner, ProgressWatchdog watchdog) : ReadOnlyWrappingStream(inner)
{
    public override int Read(Span<byte> buffer)
    {
        int n = Inner.Read(buffer);
        if (n > 0) watchdog.Progress();
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n > 0) watchdog.Progress();
        return n;
    }
}
