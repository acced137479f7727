namespace Lifeboat.Engine.Storage;

/// <summary>
/// Holds uploads and downloads to a number of bytes per second (restic's --limit-upload and --limit-download): one token
/// bucket per direction shared by all connections, so the limit holds for the whole command.
/// </summary>
public sealed class RateLimitedBackend(IBackend inner, long? uploadBytesPerSecond, long? downloadBytesPerSecond) : BackendDecorator(inner)
{
    private readonly TokenBucket? _upload = uploadBytesPerSecond is { } u ? new TokenBucket(u) : null;
    private readonly TokenBucket? _download = downloadBytesPerSecond is { } d ? new TokenBucket(d) : null;

    public override async Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_download is not null) await _download.TakeAsync(destination.Length, cancellationToken).ConfigureAwait(false);
        await Inner.ReadAsync(type, name, offset, destination, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        var data = await Inner.ReadAllAsync(type, name, cancellationToken).ConfigureAwait(false);
        if (_download is not null) await _download.TakeAsync(data.Length, cancellationToken).ConfigureAwait(false);
        return data;
    }

    /// <summary>
    /// Each read of the stream is paid for once it is read: a streamed body arrives in small pieces, while a stream of ranged
    /// reads (sftp) keeps its request size (a slice would split every request).
    /// </summary>
    public override async Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken)
    {
        var stream = await Inner.OpenReadAsync(type, name, offset, length, cancellationToken).ConfigureAwait(false);
        return _download is null ? stream : new LimitedStream(stream, _download, int.MaxValue);
    }

    public override Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken) =>
        _upload is null ? Inner.SaveAsync(type, name, source, cancellationToken)
            : Inner.SaveAsync(type, name, new LimitedSource(source, _upload), cancellationToken);

    /// <summary>The same content, read no faster than the bucket allows.</summary>
    private sealed class LimitedSource(SaveSource source, TokenBucket bucket) : SaveSource
    {
        public override long Length => source.Length;
        public override Stream OpenRead() => new LimitedStream(source.OpenRead(), bucket);
    }

    /// <summary>
    /// Reads no faster than the bucket allows: at most <paramref name="slice"/> bytes per read (an upload's source is read
    /// in small steps), each paid for once it is read.
    /// </summary>
    private sealed class LimitedStream(Stream inner, TokenBucket bucket, int slice = 64 * 1024) : ReadOnlyWrappingStream(inner)
    {
        public override int Read(Span<byte> buffer)
        {
            int n = Inner.Read(buffer[..Math.Min(buffer.Length, slice)]);
            bucket.TakeAsync(n, CancellationToken.None).GetAwaiter().GetResult();
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await Inner.ReadAsync(buffer[..Math.Min(buffer.Length, slice)], cancellationToken).ConfigureAwait(false);
            await bucket.TakeAsync(n, cancellationToken).ConfigureAwait(false);
            return n;
        }
    }
}

/// <summary>A token bucket: a second's worth of bytes at most in hand, refilled continuously.</summary>
internal sealed class TokenBucket(long bytesPerSecond)
{
    private readonly Lock _lock = new();
    private readonly long _capacity = Math.Max(bytesPerSecond, 64 * 1024);
    private double _tokens = Math.Max(bytesPerSecond, 64 * 1024);
    private long _last = System.Diagnostics.Stopwatch.GetTimestamp();

    public async Task TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_lock)
        {
            long now = System.Diagnostics.Stopwatch.GetTimestamp();
            _tokens = Math.Min(_capacity, _tokens + System.Diagnostics.Stopwatch.GetElapsedTime(_last, now).TotalSeconds * bytesPerSecond);
            _last = now;
            // Taking ahead (the balance may go negative) makes the debt the wait: callers queue in arrival order.
            _tokens -= bytes;
            wait = _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / bytesPerSecond);
        }
        if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
    }
}
