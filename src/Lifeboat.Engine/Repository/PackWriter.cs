using System.Buffers.Binary;
using System.Security.Cryptography;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// Builds one pack file: sealed blobs are written straight to the backend's upload as they come, hashed on
/// the way, and the header is appended at the end. The pack is named by the SHA-256 of all its bytes.
/// Not thread-safe: the packer manager serializes access.
/// </summary>
public sealed class PackWriter : IDisposable
{
    private readonly IUpload _upload;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<PackedBlob> _blobs = [];
    private uint _offset;

    public PackWriter(IUpload upload) => _upload = upload;

    /// <summary>Bytes of blobs written so far.</summary>
    public long Size => _offset;
    public int Count => _blobs.Count;
    public IReadOnlyList<PackedBlob> Blobs => _blobs;

    public void Add(BlobType type, Id id, ReadOnlySpan<byte> sealedBlob, uint uncompressedLength)
    {
        _upload.Write(sealedBlob);
        _hash.AppendData(sealedBlob);
        _blobs.Add(new PackedBlob(id, type, _offset, (uint)sealedBlob.Length, uncompressedLength));
        _offset += (uint)sealedBlob.Length;
    }

    /// <summary>Appends the header and commits the pack; returns its ID.</summary>
    public async Task<Id> FinishAsync(CryptoKey key, CancellationToken cancellationToken)
    {
        var header = key.Seal(PackHeader.EncodePlain(_blobs));
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        _upload.Write(header);
        _hash.AppendData(header);
        _upload.Write(length);
        _hash.AppendData(length);
        var id = new Id(_hash.GetHashAndReset());
        await _upload.CommitAsync(id.ToString(), cancellationToken).ConfigureAwait(false);
        return id;
    }

    public void Dispose()
    {
        _upload.Dispose();
        _hash.Dispose();
    }
}
