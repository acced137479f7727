namespace Lifeboat.Engine.Storage;

/// <summary>
/// The boilerplate of a forward-only, read-only stream that wraps another (or none): a subclass implements
/// <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> (and <see cref="Read(Span{byte})"/> where it can read
/// synchronously), and the wrapped stream is disposed with it.
/// </summary>
public abstract class ReadOnlyWrappingStream(Stream? inner) : Stream
{
    private readonly Stream? _inner = inner;

    /// <summary>The wrapped stream (a stream made without one reads from elsewhere and never asks).</summary>
    protected Stream Inner => _inner ?? throw new InvalidOperationException("this stream wraps no other");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _inner?.Length ?? throw new NotSupportedException();
    public override long Position { get => _inner?.Position ?? throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Streams from a backend are read asynchronously only; a wrapper of a synchronous source overrides this.</summary>
    public override int Read(Span<byte> buffer) => throw new NotSupportedException("this stream is read asynchronously only");

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner?.Dispose();
        base.Dispose(disposing);
    }
}
