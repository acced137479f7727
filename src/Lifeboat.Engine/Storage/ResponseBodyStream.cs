namespace Lifeboat.Engine.Storage;

/// <summary>
/// The body of one ranged GET handed to the reader as it arrives (the HTTP backends' <see cref="IBackend.OpenReadAsync"/>):
/// exactly the range's length, an early end is a transient failure. The idle watchdog runs only while a read waits on the
/// server, so a reader that pauses to verify what it has is never cut off. Failures are classified by the backend (one
/// line, transient or permanent); disposing frees the response and whatever the backend holds for it (a connection slot).
/// </summary>
internal sealed class ResponseBodyStream : ReadOnlyWrappingStream
{
    private readonly long _length;
    private readonly string _what;
    private readonly TimeSpan _idle;
    private readonly Func<Exception, bool, Exception?> _classify;
    private readonly Action _release;
    private readonly CancellationTokenSource _stall = new();
    private long _done;
    private int _disposed;

    /// <param name="body">The response body, positioned at the range's first byte.</param>
    /// <param name="length">The range's length: what the body must deliver.</param>
    /// <param name="what">What is read, as the backend names it in messages.</param>
    /// <param name="idle">How long one read may wait without a byte before it is cut (transient).</param>
    /// <param name="classify">A failure of a read, and whether the watchdog cut it, as the contract's exception (null: as it is).</param>
    /// <param name="release">Run once on dispose, after the body: disposes the response, frees a connection slot.</param>
    public ResponseBodyStream(Stream body, long length, string what, TimeSpan idle, Func<Exception, bool, Exception?> classify, Action release) : base(body)
    {
        _length = length;
        _what = what;
        _idle = idle;
        _classify = classify;
        _release = release;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        long left = _length - _done;
        if (left == 0 || buffer.Length == 0) return 0;
        _stall.CancelAfter(_idle);
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stall.Token) : null;
        int n;
        try
        {
            n = await Inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, left)], linked?.Token ?? _stall.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && _classify(e, _stall.IsCancellationRequested) is { } mapped)
        {
            throw mapped;
        }
        finally
        {
            // The reader's time is not the server's silence (a stall that fired stays fired: the body is broken).
            _stall.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        if (n == 0) throw BackendException.Transient($"{_what}: the connection ended after {_done} of {_length} bytes");
        _done += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            base.Dispose(disposing);
        }
        finally
        {
            if (disposing)
            {
                _release();
                _stall.Dispose();
            }
        }
    }
}
