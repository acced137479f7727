using System.Buffers.Binary;
using CsCheck;
using Lifeboat.Engine;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Fuzz.Tests;

/// <summary>
/// A pack's header as a hostile repository may hold it: the tail of the file as stored (ciphertext, its MAC, the length
/// field, the size the backend reports) and, sealed with the right key, any plaintext list of entries.
/// </summary>
public sealed class PackHeaderParserTests(ITestOutputHelper output)
{
    private static readonly CryptoKey Key = CryptoKey.NewRandom();
    private static readonly Id PackId = Id.Hash("pack"u8);
    private readonly ParserProperty _stored = new(output, "pack header (as stored)");
    private readonly ParserProperty _plain = new(output, "pack header (plaintext after decryption)");

    private static bool IsDamaged(Exception e) => e is RepositoryException { Kind: RepositoryErrorKind.Damaged };

    /// <summary>The end of a pack: the sealed header, then its length; the size is the blobs' bytes (as listed) in front.</summary>
    private static (byte[] Tail, long PackSize) Sealed(byte[] plain, long extra)
    {
        var sealedHeader = Key.Seal(plain);
        var tail = new byte[sealedHeader.Length + 4];
        sealedHeader.CopyTo(tail, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(tail.AsSpan(sealedHeader.Length), (uint)sealedHeader.Length);
        return (tail, tail.Length + extra);
    }

    private static long ListedBytes(byte[] plain)
    {
        try { return PackHeader.DecodePlain(plain, "p").Sum(b => (long)b.Length); }
        catch (RepositoryException) { return 0; }
    }

    [Fact]
    public void RandomTails_AreRefusedClearly() =>
        _stored.Holds("random bytes and sizes", Gen.Select(HostileBytes.Random(), Gen.Long[0, 1L << 40]), 5_000, i => i.Item1,
            i => PackReader.DecodeHeader(Key, PackId, i.Item1, i.Item1.Length + i.Item2), IsDamaged);

    [Fact]
    public void FlippedCiphertextBits_AreNamedAsNotDecrypting() =>
        _stored.Holds("valid headers, one ciphertext bit flipped",
            Gen.Select(HostileBytes.OneOf(Seeds.PackHeaders), Gen.Int, Gen.Int[0, 7]).Select((plain, at, bit) =>
            {
                var (tail, size) = Sealed(plain, ListedBytes(plain));
                tail[(int)((uint)at % (uint)(tail.Length - 4))] ^= (byte)(1 << bit);
                return (tail, size);
            }), 5_000, i => i.tail, i =>
            {
                var e = Assert.Throws<RepositoryException>(() => PackReader.DecodeHeader(Key, PackId, i.tail, i.size));
                Assert.Equal($"pack {PackId} is damaged: its header does not decrypt", e.Message);
                throw e;
            }, IsDamaged);

    [Fact]
    public void RandomPlaintext_IsDecodedOrRefusedClearly() =>
        _plain.Holds("random plaintext", Gen.Select(HostileBytes.Random(), Gen.Long[0, 1L << 33]), 5_000, i => i.Item1, i =>
        {
            var (tail, size) = Sealed(i.Item1, i.Item2 % 2 == 0 ? ListedBytes(i.Item1) : i.Item2);
            PackReader.DecodeHeader(Key, PackId, tail, size);
        }, IsDamaged);

    [Fact]
    public void MutatedPlaintext_IsDecodedOrRefusedClearly() =>
        _plain.Holds("mutated valid headers", HostileBytes.MutatedBinary(Seeds.PackHeaders), 5_000, plain =>
        {
            var (tail, size) = Sealed(plain, ListedBytes(plain));
            var blobs = PackReader.DecodeHeader(Key, PackId, tail, size);
            // what is accepted lists blobs that lie in front of the header, one after the other
            long end = 0;
            foreach (var b in blobs) { Assert.Equal(end, b.Offset); end += b.Length; }
            Assert.Equal(size - tail.Length, end);
        }, IsDamaged);

    [Fact]
    public void ValidHeaders_RoundTrip() =>
        _plain.Holds("valid headers", HostileBytes.OneOf(Seeds.PackHeaders), 200, plain =>
        {
            var (tail, size) = Sealed(plain, ListedBytes(plain));
            Assert.Equal(plain, PackHeader.EncodePlain(PackReader.DecodeHeader(Key, PackId, tail, size)));
        }, _ => false);
}
