namespace Lifeboat.Engine.Storage.Rest;

/// <summary>
/// One duplex connection over a child's pipes: what is written goes to its stdin, what is read comes from its stdout
/// (rclone's <c>serve restic --stdio</c> speaks HTTP/2 over them). Disposing closes its stdin, which ends the server.
/// </summary>
internal sealed class StdioConnection(Stream childStdout, Stream childStdin) : Stream
{
    private int _disposed;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => childStdout.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => childStdout.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        childStdout.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        childStdout.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count)
    {
        childStdin.Write(buffer, offset, count);
        childStdin.Flush();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        childStdin.Write(buffer);
        childStdin.Flush();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await childStdin.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await childStdin.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => childStdin.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => childStdin.FlushAsync(cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try { childStdin.Dispose(); } catch (IOException) { }
            try { childStdout.Dispose(); } catch (IOException) { }
        }
        base.Dispose(disposing);
    }
}
