using System.Runtime.InteropServices;

namespace Lifeboat.Engine.Repository;

/// <summary>Where one blob lives. A fixed-size struct so a million blobs cost tens of megabytes, not objects.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public readonly struct IndexEntry(Id blobId, BlobType type, int packIndex, uint offset, uint length, uint uncompressedLength)
{
    public readonly Id BlobId = blobId;
    public readonly int PackIndex = packIndex;
    public readonly uint Offset = offset;
    /// <summary>Stored length in the pack, including the 32 bytes of IV and MAC.</summary>
    public readonly uint Length = length;
    /// <summary>Plaintext length when the blob is compressed, 0 when it is not.</summary>
    public readonly uint UncompressedLength = uncompressedLength;
    public readonly BlobType Type = type;

    public bool IsCompressed => UncompressedLength != 0;

    /// <summary>Length of the plaintext: the uncompressed length, or the stored length less the crypto overhead.</summary>
    public uint PlaintextLength => UncompressedLength != 0 ? UncompressedLength : Length - 32;
}
