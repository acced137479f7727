using System.Buffers.Binary;
using System.Security.Cryptography;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// Builds one pack file: sealed blobs are written straight to a staging file as they come, hashed on the way, and the
/// header is appended at the end. The pack is named by the SHA-256 of all its bytes; saving it is the uploaders' job.
/// Not thread-safe: the packer manager serializes access.
/// </summary>
public sealed class PackWriter : IDisposable
{
    private readonly StagingFile _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<PackedBlob> _blobs = [];
    private uint _offset;

    public PackWriter(StagingFile file) => _file = file;

    /// <summary>The pack's bytes; once finished, a whole source to save.</summary>
    public StagingFile File => _file;

    /// <summary>Bytes of blobs written so far.</summary>
    public long Size => _offset;
    public int Count => _blobs.Count;
    public IReadOnlyList<PackedBlob> Blobs => _blobs;

    public void Add(BlobType type, Id id, ReadOnlySpan<byte> sealedBlob, uint uncompressedLength)
    {
        _file.Write(sealedBlob);
        _hash.AppendData(sealedBlob);
        _blobs.Add(new PackedBlob(id, type, _offset, (uint)sealedBlob.Length, uncompressedLength));
        _offset += (uint)sealedBlob.Length;
    }

    /// <summary>Appends the header and closes the file; returns the pack's ID.</summary>
    public Id Finish(CryptoKey key)
    {
        var header = key.Seal(PackHeader.EncodePlain(_blobs));
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        _file.Write(header);
        _hash.AppendData(header);
        _file.Write(length);
        _hash.AppendData(length);
        _file.Complete(durable: false);
        return new Id(_hash.GetHashAndReset());
    }

    public void Dispose()
    {
        _file.Dispose();
        _hash.Dispose();
    }
}
