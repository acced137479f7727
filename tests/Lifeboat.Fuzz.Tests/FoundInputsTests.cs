using System.Buffers.Binary;
using Lifeboat.Engine;
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

    [Fact]
    public void APackTailTooShortForItsLengthField_IsDamaged() =>
        Damaged(() => PackReader.DecodeHeader(CryptoKey.NewRandom(), Id.Hash("p"u8), new byte[3], 1000), "hold no header length");
}
