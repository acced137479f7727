using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// A dump tool's output as the archiver reads it: any failure of a read (the tool's non-zero exit, a broken
/// connection) becomes the dump's <see cref="DumpFailure"/>, never an unreadable item that would leave a snapshot
/// without its dump; the end is reported with the size.
/// </summary>
internal sealed class DumpOutputStream(Stream output, DumpConfig dump, Action<long> ended) : ReadOnlyWrappingStream(output)
{
    private long _bytes;
    private bool _ended;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n;
        try
        {
            n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
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
}
