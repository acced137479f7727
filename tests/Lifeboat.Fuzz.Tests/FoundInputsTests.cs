using System.Buffers.Binary;
using Lifeboat.Engine;
using Lifeboat.Engine.Compression;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Fuzz.Tests;

/// <summary>
/// The inputs the property campaigns found, each kept as a focused test: before the fix each one escaped as an
/// exception the CLI could only print as "unexpected ... please report it".
/// </summary>
public sealed class FoundInputsTests
{
    private static void Damaged(Action parse, string expected)
    {
        var e = Assert.Throws<RepositoryException>(parse);
        Assert.Equal(RepositoryErrorKind.Damaged, e.Kind);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("]")]
    [InlineData("[]")]
    [InlineData("{\"version\":\"2\",\"id\":\"x\",\"chunker_polynomial\":\"3da3358b4dc173\"}")]
    [InlineData("{\"version\":2,\"id\":\"x\",\"chunker_polynomial\":\"not hex\"}")]
    public void AConfigThatIsNotRestics_IsDamaged(string json) =>
        Damaged(() => RepositoryConfig.Parse(System.Text.Encoding.UTF8.GetBytes(json)), "config cannot be decoded");

    /// <summary>The lock check skips unreadable locks by catching Damaged; an array escaped it and failed every command.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("7")]
    [InlineData("{\"time\":\"yesterday\"}")]
    [InlineData("{\"pid\":1.5}")]
    public void ALockThatIsNotRestics_IsDamaged(string json) =>
        Damaged(() => LockInfo.Parse(System.Text.Encoding.UTF8.GetBytes(json)), "lock file cannot be decoded");

    [Fact]
    public void APackHeaderListingMoreThan4GiB_IsDamaged_NotGivenWrappedOffsets()
    {
        var key = CryptoKey.NewRandom();
        var plain = PackHeader.EncodePlain([
            new PackedBlob(Id.Hash("a"u8), BlobType.Data, 0, 0xFFFFFFF0, 0),
            new PackedBlob(Id.Hash("b"u8), BlobType.Data, 0, 0x100, 0),
        ]);
        var sealedHeader = key.Seal(plain);
        var tail = new byte[sealedHeader.Length + 4];
        sealedHeader.CopyTo(tail, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(tail.AsSpan(sealedHeader.Length), (uint)sealedHeader.Length);
        long packSize = 0xFFFFFFF0L + 0x100 + tail.Length;
        Damaged(() => PackReader.DecodeHeader(key, Id.Hash("p"u8), tail, packSize), "more than a pack can hold");
    }

    /// <summary>A mutated zstd frame of 165 bytes whose header claims over a gigabyte: it was allocated before decompressing.</summary>
    [Fact]
    public void AZstdFrameClaimingAGigabyte_IsRefusedWithoutAllocatingIt()
    {
        var frame = Convert.FromHexString(
            "28B52FFDC2980C87CE20C3BD0400F249201F70B5D50184AE4A96AA2E601F41B40D8C4F00FCDA9A903429428FE5ABFE0F2105891F8450B23BA67950E0E7BD88" +
            "1060F939BC63BB63A081C70DEC70891DF0736DCC8B975D2AC4534B2D959C42329F92B89B5BE3B75A2BAD5CA2EDD672573EDE7429499B487A4DFC79214178A9" +
            "B49A03A46C93A912521A99C62AD2B33F05134F1007002EE42002045033CD65F03D4C9BAE55E901");
        Assert.True(Zstd.FrameContentSize(frame) > 1_000_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => Zstd.Decompress(frame, 1L << 30));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, $"{GC.GetAllocatedBytesForCurrentThread() - before} bytes allocated");
    }

    /// <summary>dump streams a file through FileContentStream: a size of 2^64-1 threw OverflowException.</summary>
    [Fact]
    public void AFileClaiming2Pow64Bytes_IsDamaged_WhenStreamed() =>
        Damaged(() => _ = new FileContentStream(null!, new Lifeboat.Engine.Model.Node { Name = "f", Size = ulong.MaxValue, Content = [] }, "/f"), "is impossible");

    [Fact]
    public void APackTailTooShortForItsLengthField_IsDamaged() =>
        Damaged(() => PackReader.DecodeHeader(CryptoKey.NewRandom(), Id.Hash("p"u8), new byte[3], 1000), "hold no header length");
}
