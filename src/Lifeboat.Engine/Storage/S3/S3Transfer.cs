using System.Net;

namespace Lifeboat.Engine.Storage.S3;

/// <summary>
/// Cancels an S3 request that makes no progress for <see cref="Idle"/>: no answer, no byte sent or received. A large pack
/// on a slow link may take long as a whole; only a stall is a failure. <see cref="Kick"/> on every step of progress.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly CancellationTokenSource _source;

    public Watchdog(TimeSpan idle, CancellationToken outer)
    {
        Idle = idle;
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _source.CancelAfter(idle);
    }

    public TimeSpan Idle { get; }
    public CancellationToken Token => _source.Token;

    public void Kick()
    {
        try { _source.CancelAfter(Idle); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose() => _source.Dispose();
}

/// <summary>
/// A whole <see cref="SaveSource"/> as a request body with a known Content-Length: streamed from its start each time it is
/// sent (a staged pack is read from its file, never held in memory), kicking the watchdog as it goes. Never chunked.
/// </summary>
internal sealed class SourceContent(SaveSource source, Watchdog watchdog) : HttpContent
{
    private const int BufferSize = 256 * 1024;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (source.TryGetMemory(out var memory))
        {
            for (int i = 0; i < memory.Length; i += BufferSize)
            {
                await stream.WriteAsync(memory.Slice(i, Math.Min(BufferSize, memory.Length - i)), cancellationToken).ConfigureAwait(false);
                watchdog.Kick();
            }
            return;
        }
        await using var input = source.OpenRead();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long sent = 0;
            int n;
            while ((n = await input.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                // The length was announced: a source that grew since must not send more than it said.
                if (sent + n > source.Length) throw new IOException("the file to upload changed while it was sent");
                await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                sent += n;
                watchdog.Kick();
            }
            if (sent != source.Length) throw new IOException("the file to upload changed while it was sent");
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = source.Length;
        return true;
    }
}
