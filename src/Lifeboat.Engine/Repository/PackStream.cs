using System.Security.Cryptography;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// Reads one pack front to back through a bounded, pooled window and hashes every byte as it arrives, so that
/// verifying a pack needs about a megabyte instead of the whole (16 MiB or larger) file. The window grows only
/// for a single blob larger than it. Made by <see cref="Repository.OpenPackStream"/>.
/// </summary>
public sealed class PackStream : IDisposable
{
    /// <summary>The window: what a caller's blob is read into (grown only for a larger blob).</summary>
    internal const int WindowSize = 1024 * 1024;
    /// <summary>The size of each read ahead.</summary>
    private const int AheadChunk = 1024 * 1024;
    /// <summary>
    /// Reads kept in flight ahead of the caller for a pack on a server: each read costs a round trip, so with one read
    /// at a time a link with latency sat idle between them (at 20 ms per round trip check --read-data over s3 took 0.74
    /// of restic's time, restic streaming each pack in one request); four 1 MiB reads ahead keep it busy.
    /// </summary>
    internal const int RemoteReadAhead = 4;

    private readonly IBackend _backend;
    private readonly string _name;
    private readonly long _size;
    private readonly int _readAhead;

    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _buffer;
    private int _start, _end;   // unread bytes: _buffer[_start.._end)
    private long _fileOffset;   // file offset of _buffer[_end]
    // reads ahead, in file order from _fileOffset: the head's first _aheadUsed bytes are already in _buffer
    private readonly Queue<(Task Read, byte[] Data, int Length)> _ahead = new();
    private long _aheadEnd;
    private int _aheadUsed;

    internal PackStream(IBackend backend, string name, long size, int readAhead)
    {
        _backend = backend;
        _name = name;
        _size = size;
        _readAhead = readAhead;
        _buffer = BlobBuffers.Rent((int)Math.Clamp(size, 1, WindowSize));
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
            int n = (int)Math.Min(_buffer.Length - _end, _size - _fileOffset);
            if (_readAhead > 0)
            {
                ScheduleAhead(cancellationToken);
                var (read, data, length) = _ahead.Peek();
                await read.ConfigureAwait(false);
                n = Math.Min(n, length - _aheadUsed);
                data.AsSpan(_aheadUsed, n).CopyTo(_buffer.AsSpan(_end));
                _aheadUsed += n;
                if (_aheadUsed == length)
                {
                    _ahead.Dequeue();
                    BlobBuffers.Return(data);
                    _aheadUsed = 0;
                }
            }
            else await _backend.ReadAsync(FileType.Pack, _name, _fileOffset, _buffer.AsMemory(_end, n), cancellationToken).ConfigureAwait(false);
            _sha.AppendData(_buffer, _end, n);
            _end += n;
            _fileOffset += n;
        }
        if (_readAhead > 0) ScheduleAhead(cancellationToken);
    }

    /// <summary>Keeps up to the read-ahead's number of reads in flight beyond what the window holds.</summary>
    private void ScheduleAhead(CancellationToken cancellationToken)
    {
        if (_ahead.Count == 0) _aheadEnd = _fileOffset;
        while (_ahead.Count < _readAhead && _aheadEnd < _size)
        {
            int length = (int)Math.Min(AheadChunk, _size - _aheadEnd);
            var data = BlobBuffers.Rent(length);
            Task read;
            try
            {
                read = _backend.ReadAsync(FileType.Pack, _name, _aheadEnd, data.AsMemory(0, length), cancellationToken);
            }
            catch (Exception e)
            {
                // a backend that fails at once: the failure belongs to those bytes, raised when they are needed
                read = Task.FromException(e);
            }
            _ahead.Enqueue((read, data, length));
            _aheadEnd += length;
        }
    }

    public void Dispose()
    {
        _sha.Dispose();
        BlobBuffers.Return(_buffer);
        // A read still in flight writes into its buffer later: that one is left to the collector, not the pool.
        foreach (var (read, data, _) in _ahead)
        {
            if (read.IsCompleted)
            {
                _ = read.Exception; // observed: a failed read ahead nobody needed is no error
                BlobBuffers.Return(data);
            }
            else read.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.ExecuteSynchronously);
        }
        _ahead.Clear();
    }
}
