using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// A file's content as a read-only stream of its data blobs, loaded one at a time, so that a file of any size is
/// streamed (into a tar archive, say) with one blob in memory. Its length is the node's size, known up front as a
/// tar header needs it; content that turns out longer or shorter than that is an error, not a silently bad archive.
/// </summary>
public sealed class FileContentStream : Stream
{
    private readonly Repository _repository;
    private readonly IReadOnlyList<Id> _content;
    private readonly string _name;
    private readonly long _length;
    private int _nextBlob;
    private byte[] _blob = [];
    private int _blobOffset;
    private long _position;

    /// <param name="name">The file's path in the snapshot, for errors.</param>
    public FileContentStream(Repository repository, Node node, string name)
    {
        _repository = repository;
        _content = node.Content ?? [];
        _name = name;
        // a crafted node may claim up to 2^64-1 bytes, which no stream (and no tar header) can carry
        _length = node.Size <= long.MaxValue ? (long)node.Size
            : throw new RepositoryException(RepositoryErrorKind.Damaged, $"{name}: its size in the snapshot ({node.Size} bytes) is impossible; run check");
    }

    public override bool CanRead => true;
    // Seekable only so that its length can be read: the position can be "set" only to where it already is.
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        if (target != _position) throw new NotSupportedException("a file's content is read from the repository in order");
        return _position;
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0) return 0;
        while (_blobOffset == _blob.Length)
        {
            if (_nextBlob == _content.Count)
            {
                if (_position != _length) throw ContentSizeMismatch();
                return 0;
            }
            _blob = await _repository.LoadBlobAsync(BlobType.Data, _content[_nextBlob++], cancellationToken).ConfigureAwait(false);
            _blobOffset = 0;
        }
        int n = Math.Min(buffer.Length, _blob.Length - _blobOffset);
        if (_position + n > _length) throw ContentSizeMismatch();
        _blob.AsMemory(_blobOffset, n).CopyTo(buffer);
        _blobOffset += n;
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private RepositoryException ContentSizeMismatch() => new(RepositoryErrorKind.Damaged,
        $"{_name}: its content blobs do not add up to its size in the snapshot ({_length} bytes); run check");

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
