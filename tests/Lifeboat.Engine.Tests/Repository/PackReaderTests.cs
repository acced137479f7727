using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Repository;

/// <summary>
/// A damaged pack is refused with a Damaged error naming it and saying what is wrong, whatever the damage: never a wrong
/// list of blobs, never an exception of another kind (check reports these one per pack and goes on).
/// </summary>
public sealed class PackReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new("lifeboat-packreader");
    private readonly CryptoKey _key = CryptoKey.NewRandom();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    /// <summary>A pack of three small data blobs, as bytes, and its ID.</summary>
    private (Id PackId, byte[] Bytes) Pack()
    {
        using var writer = new PackWriter(new StagingFile(_dir.Path));
        for (int i = 0; i < 3; i++)
        {
            var plain = new byte[200 + i];
            plain[0] = (byte)i;
            writer.Add(BlobType.Data, Id.Hash(plain), _key.Seal(plain), 0);
        }
        var id = writer.Finish(_key);
        return (id, File.ReadAllBytes(writer.File.Path));
    }

    private static RepositoryException Refused(Func<object> read)
    {
        var e = Assert.Throws<RepositoryException>(read);
        Assert.Equal(RepositoryErrorKind.Damaged, e.Kind);
        return e;
    }

    [Fact]
    public void AnIntactPack_ListsItsBlobs()
    {
        var (id, bytes) = Pack();
        Assert.Equal(3, PackReader.DecodeHeader(_key, id, bytes, bytes.Length).Count);
    }

    [Fact]
    public void AFlippedByteInTheHeader_DoesNotDecrypt()
    {
        var (id, bytes) = Pack();
        bytes[^10] ^= 1;
        Assert.Equal($"pack {id} is damaged: its header does not decrypt", Refused(() => PackReader.DecodeHeader(_key, id, bytes, bytes.Length)).Message);
    }

    [Fact]
    public void AnotherKey_DoesNotDecryptTheHeader()
    {
        var (id, bytes) = Pack();
        Assert.Contains("does not decrypt", Refused(() => PackReader.DecodeHeader(CryptoKey.NewRandom(), id, bytes, bytes.Length)).Message);
    }

    [Fact]
    public void AHeaderLengthOutOfRange_IsRefused()
    {
        var (id, bytes) = Pack();
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 4), (uint)bytes.Length);
        Assert.Equal($"pack {id} is damaged: header length {bytes.Length} is out of range for a file of {bytes.Length} bytes",
            Refused(() => PackReader.DecodeHeader(_key, id, bytes, bytes.Length)).Message);
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 4), 5u);
        Assert.Contains("header length 5 is out of range", Refused(() => PackReader.DecodeHeader(_key, id, bytes, bytes.Length)).Message);
    }

    [Fact]
    public void BlobsThatDoNotFillTheSpaceBeforeTheHeader_AreRefused()
    {
        // Bytes added at the front: the header is intact but lists fewer bytes than the file has before it.
        var (id, bytes) = Pack();
        var longer = new byte[bytes.Length + 7];
        bytes.CopyTo(longer, 7);
        Assert.Contains("its header lists 699 bytes of blobs, but the file has 706 in front of the header",
            Refused(() => PackReader.DecodeHeader(_key, id, longer, longer.Length)).Message);
    }

    [Fact]
    public void AFileTooSmallForAPack_IsRefused()
    {
        var id = Id.Hash("tiny"u8);
        Assert.Equal($"pack {id} is damaged: 20 bytes is too small for a pack", Refused(() => PackReader.DecodeHeader(_key, id, new byte[20], 20)).Message);
    }

    [Fact]
    public async Task ThroughTheBackend_AMissingOrTruncatedPackIsDamaged()
    {
        using var backend = new MemoryBackend();
        await backend.CreateAsync(Ct);
        var (id, bytes) = Pack();

        var missing = await Assert.ThrowsAsync<RepositoryException>(() => PackReader.ReadHeaderAsync(backend, _key, id, bytes.Length, Ct));
        Assert.Equal((RepositoryErrorKind.Damaged, $"pack {id} is missing"), (missing.Kind, missing.Message));

        // The listing said more bytes than the file holds: the read of its end fails, and says so.
        await backend.SaveAsync(FileType.Pack, id.ToString(), bytes.AsMemory(0, bytes.Length - 1), Ct);
        var shorter = await Assert.ThrowsAsync<RepositoryException>(() => PackReader.ReadHeaderAsync(backend, _key, id, bytes.Length, Ct));
        Assert.Equal(RepositoryErrorKind.Damaged, shorter.Kind);
        Assert.StartsWith($"pack {id} cannot be read: ", shorter.Message);
    }
}
