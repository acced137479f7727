namespace Lifeboat.Engine.Storage;

/// <summary>
/// <see cref="IBackend.OpenReadAsync"/> for a backend without a streamed read of its own: every read of the stream is one
/// <see cref="IBackend.ReadAsync"/> of the next bytes of the range straight into the caller's buffer (no buffer of its
/// own), so the caller's buffer size is the request size. A missing file surfaces from the first read.
/// </summary>
public sealed class RangeReadStream : ReadOnlyWrappingStream
{
    private readonly IBackend _backend;
    private readonly FileType _type;
    private readonly string _name;
    private readonly long _end;
    private long _next;

    private RangeReadStream(IBackend backend, FileType type, string name, long offset, long length) : base(null)
    {
        _backend = backend;
        _type = type;
        _name = name;
        _next = offset;
        _end = offset + length;
    }

    /// <summary>The bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of a file, read on demand.</summary>
    public static async Task<Stream> OpenAsync(IBackend backend, FileType type, string name, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        // An empty range asks nothing of later reads: only here can a missing file show.
        if (length == 0) await backend.ReadAsync(type, name, offset, Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        return new RangeReadStream(backend, type, name, offset, length);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = (int)Math.Min(buffer.Length, _end - _next);
        if (n == 0) return 0;
        await _backend.ReadAsync(_type, _name, _next, buffer[..n], cancellationToken).ConfigureAwait(false);
        _next += n;
        return n;
    }
}
