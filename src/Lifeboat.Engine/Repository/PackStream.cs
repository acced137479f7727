using System.Security.Cryptography;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// Reads one pack front to back through a bounded, pooled window and hashes every byte as it arrives, so that
/// verifying a pack needs about a megabyte instead of the whole (16 MiB or larger) file. The window grows only
/// for a single blob larger than it. The bytes come from one <see cref="IBackend.OpenReadAsync"/> of the whole pack
/// (one request over HTTP, as restic reads it), opened at the first read. Made by <see cref="Repository.OpenPackStream"/>.
/// </summary>
public sealed class PackStream : IDisposable
{
    /// <summary>The window for a pack on this machine's disk.</summary>
    internal const int LocalWindowSize = 1024 * 1024;
    /// <summary>
    /// The window for a pack on a server. Streamed over HTTP its size no longer sets the round trips, but a backend
    /// without a streamed read serves each window with one request (sftp), and there a larger window keeps a link with
    /// latency busy (at 20 ms per round trip, 1 MiB windows made check --read-data 1.7 times slower than 4 MiB ones).
    /// </summary>
    internal const int RemoteWindowSize = 4 * 1024 * 1024;

    private readonly IBackend _backend;
    private readonly string _name;
    private readonly long _size;

    private Stream? _source;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _buffer;
    private int _start, _end;   // unread bytes: _buffer[_start.._end)
    private long _fileOffset;   // file offset of _buffer[_end]

    internal PackStream(IBackend backend, string name, long size, int windowSize)
    {
        _backend = backend;
        _name = name;
        _size = size;
        _buffer = BlobBuffers.Rent((int)Math.Clamp(size, 1, windowSize));
    }

    /// <summary>The file offset of the next byte <see cref="TakeAsync"/> returns.</summary>
    public long Position => _fileOffset - (_end - _start);

    /// <summary>
    /// The next <paramref name="count"/> bytes; valid until the next call. Already hashed, so the caller may
    /// overwrite them (check decrypts blobs in place).
    /// </summary>
    public async ValueTask<Memory<byte>> TakeAsync(int count, CancellationToken cancellationToken)
    {
        await FillAsync(count, cancellationToken).ConfigureAwait(false);
        var taken = _buffer.AsMemory(_start, count);
        _start += count;
        return taken;
    }

    /// <summary>Reads (and hashes) up to <paramref name="offset"/> without handing the bytes out.</summary>
    public async ValueTask SkipToAsync(long offset, CancellationToken cancellationToken)
    {
        while (Position < offset)
        {
            if (_start == _end) await FillAsync((int)Math.Min(offset - Position, _buffer.Length), cancellationToken).ConfigureAwait(false);
            int n = (int)Math.Min(offset - Position, _end - _start);
            _start += n;
        }
    }

    /// <summary>The SHA-256 of everything read so far (the pack's ID once it has been read to its end).</summary>
    public Id GetHash()
    {
        Span<byte> hash = stackalloc byte[Id.Size];
        _sha.GetHashAndReset(hash);
        return new Id(hash);
    }

    private async ValueTask FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count) return;
        if (count > _size - Position) throw new EndOfStreamException($"{BackendPaths.Describe(FileType.Pack, _name)}: wanted {count} bytes at offset {Position} of {_size}");
        if (_buffer.Length < count)
        {
            var larger = BlobBuffers.Rent(count);
            _buffer.AsSpan(_start, _end - _start).CopyTo(larger);
            BlobBuffers.Return(_buffer);
            _buffer = larger;
            _end -= _start;
            _start = 0;
        }
        else if (_buffer.Length - _start < count)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        while (_end - _start < count)
        {
            _source ??= await _backend.OpenReadAsync(FileType.Pack, _name, 0, _size, cancellationToken).ConfigureAwait(false);
            int n = await _source.ReadAsync(_buffer.AsMemory(_end, (int)Math.Min(_buffer.Length - _end, _size - _fileOffset)), cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException($"{BackendPaths.Describe(FileType.Pack, _name)}: the stream ended at offset {_fileOffset} of {_size}");
            _sha.AppendData(_buffer, _end, n);
            _end += n;
            _fileOffset += n;
        }
    }

    public void Dispose()
    {
        _source?.Dispose();
        _sha.Dispose();
        BlobBuffers.Return(_buffer);
    }
}
