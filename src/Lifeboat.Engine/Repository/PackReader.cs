using System.Buffers.Binary;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// Reads a pack's own list of blobs from its encrypted header, as restic does: fetch the last
/// <see cref="PackHeader.EagerReadSize"/> bytes, and fetch again only when the header is larger.
/// </summary>
public static class PackReader
{
    /// <summary>
    /// The blobs a pack's header lists, with their offsets. Any failure is a Damaged error naming the pack. Code above the
    /// repository calls <see cref="Repository.ReadPackHeaderAsync"/>.
    /// </summary>
    internal static async Task<List<PackedBlob>> ReadHeaderAsync(IBackend backend, CryptoKey key, Id packId, long packSize, CancellationToken cancellationToken)
    {
        var name = packId.ToString();
        CheckPackSize(packId, packSize);
        try
        {
            int eager = (int)Math.Min(packSize, PackHeader.EagerReadSize);
            var tail = new byte[eager];
            await backend.ReadAsync(FileType.Pack, name, packSize - eager, tail, cancellationToken).ConfigureAwait(false);
            int headerLength = HeaderLength(packId, tail, packSize);
            if (headerLength + 4 > eager)
            {
                tail = new byte[headerLength + 4];
                await backend.ReadAsync(FileType.Pack, name, packSize - tail.Length, tail, cancellationToken).ConfigureAwait(false);
            }
            return DecodeHeader(key, packId, tail, packSize);
        }
        catch (BackendFileNotFoundException)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is missing");
        }
        catch (IOException e)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Decodes the header from the end of a pack (<paramref name="tail"/> ends where the file ends and holds at least
    /// the header and its length field) and checks that the blobs it lists fit in front of it.
    /// </summary>
    public static List<PackedBlob> DecodeHeader(CryptoKey key, Id packId, ReadOnlySpan<byte> tail, long packSize)
    {
        CheckPackSize(packId, packSize);
        int headerLength = HeaderLength(packId, tail, packSize);
        if (headerLength + 4 > tail.Length)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: its header of {headerLength} bytes was not read whole");
        var sealedHeader = tail.Slice(tail.Length - 4 - headerLength, headerLength);
        byte[] plain;
        try
        {
            plain = key.Open(sealedHeader);
        }
        catch (Exception e) when (e is CryptoAuthenticationException or ArgumentException)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: its header does not decrypt");
        }
        var blobs = PackHeader.DecodePlain(plain, packId.ToString());
        long blobBytes = 0;
        foreach (var b in blobs) blobBytes += b.Length;
        // offsets are 32-bit, as in restic: a header listing more would give blobs offsets that wrapped around
        if (blobBytes > uint.MaxValue)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: its header lists {blobBytes} bytes of blobs, more than a pack can hold");
        if (blobBytes + headerLength + 4 != packSize)
            throw new RepositoryException(RepositoryErrorKind.Damaged,
                $"pack {packId} is damaged: its header lists {blobBytes} bytes of blobs, but the file has {packSize - headerLength - 4} in front of the header");
        return blobs;
    }

    /// <summary>
    /// False only when <paramref name="tail"/> (the end of a pack of <paramref name="packSize"/> bytes) is too short for the
    /// header its length field declares: then the header is read on its own (<see cref="ReadHeaderAsync"/>). A declared
    /// length out of range counts as held: <see cref="DecodeHeader"/> reports it as the separate read would.
    /// </summary>
    public static bool HoldsHeader(ReadOnlySpan<byte> tail, long packSize)
    {
        if (tail.Length < 4) return false;
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(tail[^4..]);
        return length + 4L <= tail.Length || length < CryptoKey.Overhead || length > packSize - 4 || length > PackHeader.MaxHeaderSize;
    }

    private static void CheckPackSize(Id packId, long packSize)
    {
        if (packSize < PackHeader.MinPackSize)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: {packSize} bytes is too small for a pack");
    }

    private static int HeaderLength(Id packId, ReadOnlySpan<byte> tail, long packSize)
    {
        if (tail.Length < 4) throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: {tail.Length} bytes read of its end hold no header length");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(tail[^4..]);
        if (length < CryptoKey.Overhead || length > packSize - 4 || length > PackHeader.MaxHeaderSize)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is damaged: header length {length} is out of range for a file of {packSize} bytes");
        return (int)length;
    }
}
