using Lifeboat.Engine.Backup;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// A dump tool's output as the archiver reads it: any failure of a read (the tool's non-zero exit, a broken
/// connection) becomes the dump's <see cref="DumpFailure"/>, never an unreadable item that would leave a snapshot
/// without its dump; the end is reported with the size.
/// </summary>
internal sealed class DumpOutputStream(Stream output, DumpConfig dump, Action<long> ended) : Stream
{
    private long _bytes;
    private bool _ended;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n;
        try
        {
            n = await output.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SourceFailedException or IOException)
        {
            throw DumpFailure.Of(dump, e);
        }
        if (n == 0 && buffer.Length > 0 && !_ended)
        {
            _ended = true;
            ended(_bytes);
        }
        _bytes += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) output.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await output.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
