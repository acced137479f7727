using System.Buffers.Binary;
using Lifeboat.Engine.Crypto;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// The pack file trailer: an encrypted list of (type, length[, uncompressed length], id) entries in blob
/// order, then its own length as a little-endian uint32. Offsets are implicit.
/// </summary>
public static class PackHeader
{
    public const int PlainEntrySize = 1 + 4 + 32;
    public const int CompressedEntrySize = 1 + 4 + 4 + 32;
    public const int MaxHeaderSize = 16 * 1024 * 1024 + 4;
    /// <summary>How much of a pack's end to fetch first: enough for 15 compressed entries.</summary>
    public const int EagerReadSize = 15 * CompressedEntrySize + CryptoKey.Overhead + 4;
    public const int MinPackSize = PlainEntrySize + CryptoKey.Overhead + 4;

    public static int EntrySize(in PackedBlob blob) => blob.IsCompressed ? CompressedEntrySize : PlainEntrySize;

    /// <summary>The exact size of a pack holding these blobs, as restic's check computes it.</summary>
    public static long PackSize(IEnumerable<PackedBlob> blobs)
    {
        long size = CryptoKey.Overhead + 4;
        foreach (var b in blobs) size += b.Length + EntrySize(b);
        return size;
    }

    public static byte[] EncodePlain(IReadOnlyList<PackedBlob> blobs)
    {
        int size = 0;
        foreach (var b in blobs) size += EntrySize(b);
        var plain = new byte[size];
        int o = 0;
        foreach (var b in blobs)
        {
            if (b.IsCompressed)
            {
                plain[o] = (byte)(b.Type == BlobType.Data ? 2 : 3);
                BinaryPrimitives.WriteUInt32LittleEndian(plain.AsSpan(o + 1), b.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(plain.AsSpan(o + 5), b.UncompressedLength);
                b.Id.CopyTo(plain.AsSpan(o + 9, 32));
                o += CompressedEntrySize;
            }
            else
            {
                plain[o] = (byte)(b.Type == BlobType.Data ? 0 : 1);
                BinaryPrimitives.WriteUInt32LittleEndian(plain.AsSpan(o + 1), b.Length);
                b.Id.CopyTo(plain.AsSpan(o + 5, 32));
                o += PlainEntrySize;
            }
        }
        return plain;
    }

    public static List<PackedBlob> DecodePlain(ReadOnlySpan<byte> plain, string packName)
    {
        var blobs = new List<PackedBlob>(plain.Length / PlainEntrySize);
        uint offset = 0;
        int o = 0;
        while (o < plain.Length)
        {
            byte type = plain[o];
            int entry = type switch { 0 or 1 => PlainEntrySize, 2 or 3 => CompressedEntrySize, _ => -1 };
            if (entry < 0) throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packName} has a header entry of invalid type {type}");
            if (o + entry > plain.Length) throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packName} has a truncated header");
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(plain[(o + 1)..]);
            uint uncompressed = entry == CompressedEntrySize ? BinaryPrimitives.ReadUInt32LittleEndian(plain[(o + 5)..]) : 0;
            var id = new Id(plain.Slice(o + entry - 32, 32));
            blobs.Add(new PackedBlob(id, (type & 1) == 0 ? BlobType.Data : BlobType.Tree, offset, length, uncompressed));
            offset += length;
            o += entry;
        }
        return blobs;
    }
}
