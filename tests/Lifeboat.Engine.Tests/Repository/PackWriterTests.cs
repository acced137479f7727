using System.Security.Cryptography;
using Lifeboat.Engine.Compression;
using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Repository;

/// <summary>
/// A pack as restic reads it: blobs back to back, then the sealed header listing each with its type and length (offsets
/// implicit), then the header's length; named by the SHA-256 of all of it. Every pack written here is read back through
/// <see cref="PackReader"/> and each blob opened and hashed, as restic's check --read-data would.
/// </summary>
public sealed class PackWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new("lifeboat-packwriter");
    private readonly CryptoKey _key = CryptoKey.NewRandom();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    /// <summary>A blob as the repository stores it: sealed plaintext, or sealed zstd of it with the plaintext's length.</summary>
    private (Id Id, byte[] Plain, byte[] Sealed, uint Uncompressed) Blob(int length, bool compress, int seed)
    {
        var plain = new byte[length];
        // Half random, half repeated: compressible, yet every blob distinct.
        new Random(seed).NextBytes(plain.AsSpan(0, length / 2));
        plain.AsSpan(length / 2).Fill((byte)seed);
        if (!compress) return (Id.Hash(plain), plain, _key.Seal(plain), 0);
        var compressed = new byte[Zstd.CompressBound(length)];
        int n = Zstd.Compress(plain, compressed);
        return (Id.Hash(plain), plain, _key.Seal(compressed.AsSpan(0, n)), (uint)length);
    }

    /// <summary>Writes a pack of these blobs and returns its bytes and ID.</summary>
    private (Id PackId, byte[] Bytes, IReadOnlyList<PackedBlob> Listed) Write(IEnumerable<(BlobType Type, (Id Id, byte[] Plain, byte[] Sealed, uint Uncompressed) Blob)> blobs)
    {
        using var writer = new PackWriter(new StagingFile(_dir.Path));
        foreach (var (type, b) in blobs) writer.Add(type, b.Id, b.Sealed, b.Uncompressed);
        var listed = writer.Blobs.ToList();
        long blobBytes = writer.Size;
        var packId = writer.Finish(_key);
        var bytes = File.ReadAllBytes(writer.File.Path);
        Assert.Equal(bytes.Length, writer.File.Length);
        Assert.Equal(blobBytes, listed.Sum(b => (long)b.Length));
        return (packId, bytes, listed);
    }

    /// <summary>Opens (and decompresses) one stored blob and checks it hashes to its ID: what restic does to read it.</summary>
    private byte[] OpenBlob(byte[] pack, in PackedBlob blob)
    {
        var opened = _key.Open(pack.AsSpan((int)blob.Offset, (int)blob.Length));
        var plain = blob.IsCompressed ? Zstd.Decompress(opened, blob.UncompressedLength) : opened;
        Assert.Equal(blob.Id, Id.Hash(plain));
        return plain;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pack_HeaderListsEveryBlobAtItsOffset_AndEachBlobReadsBack(bool compressed)
    {
        var blobs = Enumerable.Range(0, 5).Select(i => (i % 2 == 0 ? BlobType.Data : BlobType.Tree, Blob(1000 + i * 777, compressed, i))).ToList();
        var (packId, bytes, listed) = Write(blobs);

        Assert.Equal(packId, Id.Hash(bytes));
        Assert.Equal(PackHeader.PackSize(listed), bytes.Length);
        var header = PackReader.DecodeHeader(_key, packId, bytes, bytes.Length);
        Assert.Equal(listed, header);
        uint offset = 0;
        for (int i = 0; i < blobs.Count; i++)
        {
            var (type, b) = blobs[i];
            Assert.Equal(new PackedBlob(b.Id, type, offset, (uint)b.Sealed.Length, b.Uncompressed), header[i]);
            Assert.Equal(compressed, header[i].IsCompressed);
            Assert.Equal(b.Plain, OpenBlob(bytes, header[i]));
            offset += (uint)b.Sealed.Length;
        }
        // The header's entries are restic's: 37 bytes each, 41 when compressed, sealed, then its length.
        int entry = compressed ? PackHeader.CompressedEntrySize : PackHeader.PlainEntrySize;
        Assert.Equal((uint)(blobs.Count * entry + CryptoKey.Overhead), BitConverter.ToUInt32(bytes, bytes.Length - 4));
    }

    [Fact]
    public void Pack_MixingCompressedAndPlainBlobs_WritesEachEntryInItsOwnForm()
    {
        var blobs = new[]
        {
            (BlobType.Data, Blob(3000, compress: false, 1)),
            (BlobType.Data, Blob(3000, compress: true, 2)),
            (BlobType.Tree, Blob(500, compress: true, 3)),
            (BlobType.Tree, Blob(500, compress: false, 4)),
        };
        var (packId, bytes, listed) = Write(blobs);

        var plainHeader = _key.Open(bytes.AsSpan(bytes.Length - 4 - (int)BitConverter.ToUInt32(bytes, bytes.Length - 4), (int)BitConverter.ToUInt32(bytes, bytes.Length - 4)));
        // restic's type bytes: 0 data, 1 tree, 2 compressed data, 3 compressed tree.
        var typeBytes = new List<byte>();
        for (int o = 0; o < plainHeader.Length; o += plainHeader[o] >= 2 ? PackHeader.CompressedEntrySize : PackHeader.PlainEntrySize) typeBytes.Add(plainHeader[o]);
        Assert.Equal([0, 2, 3, 1], typeBytes);

        var header = PackReader.DecodeHeader(_key, packId, bytes, bytes.Length);
        Assert.Equal(listed, header);
        for (int i = 0; i < blobs.Length; i++) Assert.Equal(blobs[i].Item2.Plain, OpenBlob(bytes, header[i]));
    }

    [Fact]
    public async Task Pack_WithAHeaderLargerThanTheFirstRead_IsReadWholeThroughTheBackend()
    {
        // More entries than the 15 the first read of a pack's end fetches: the reader must fetch the header again.
        var blobs = Enumerable.Range(0, 40).Select(i => (BlobType.Data, Blob(100 + i, compress: i % 3 == 0, i))).ToList();
        var (packId, bytes, listed) = Write(blobs);
        Assert.True(bytes.Length - listed.Sum(b => b.Length) > PackHeader.EagerReadSize);

        var backend = new MemoryBackend();
        await backend.CreateAsync(Ct);
        await backend.SaveAsync(FileType.Pack, packId.ToString(), bytes, Ct);
        var header = await PackReader.ReadHeaderAsync(backend, _key, packId, bytes.Length, Ct);

        Assert.Equal(listed, header);
        for (int i = 0; i < blobs.Count; i++) Assert.Equal(blobs[i].Item2.Plain, OpenBlob(bytes, header[i]));
    }

    [Fact]
    public void Pack_OfOneEmptyBlob_ReadsBack()
    {
        // restic stores a zero-length file's content as no blob, but an empty tree or a zero-length chunk is legal.
        var empty = (Id.Hash([]), Array.Empty<byte>(), _key.Seal([]), 0u);
        var (packId, bytes, _) = Write([(BlobType.Data, empty)]);
        var blob = Assert.Single(PackReader.DecodeHeader(_key, packId, bytes, bytes.Length));
        Assert.Equal((0u, (uint)CryptoKey.Overhead), (blob.Offset, blob.Length));
        Assert.Empty(OpenBlob(bytes, blob));
    }

    [Fact]
    public void Dispose_BeforeFinish_LeavesNoStagingFile()
    {
        string path;
        using (var writer = new PackWriter(new StagingFile(_dir.Path)))
        {
            writer.Add(BlobType.Data, Id.Hash([1]), _key.Seal([1]), 0);
            path = writer.File.Path;
            Assert.True(File.Exists(path));
        }
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    /// <summary>
    /// The repository closes a pack once its blobs reach the pack size (restic's packer: "size >= minPackSize"), so no
    /// pack but the last is smaller than the size, and each holds the blobs saved into it, in order.
    /// </summary>
    [Theory]
    [InlineData(2 * (1000 + CryptoKey.Overhead), 2)] // the second blob reaches the size exactly: the pack closes
    [InlineData(2 * (1000 + CryptoKey.Overhead) + 1, 3)] // one byte more: it takes a third
    public async Task Repository_ClosesAPackOnceItsBlobsReachThePackSize(long packSize, int blobsPerPack)
    {
        var backend = new MemoryBackend();
        var options = new RepositoryOptions { PackSize = packSize, Compression = CompressionMode.Off };
        var ids = new List<Id>();
        await using (var repo = await Repo.InitAsync(backend, "pw", 2, options, (1024, 8, 1), cancellationToken: Ct))
        {
            for (int i = 0; i < 7; i++)
            {
                var plain = RandomNumberGenerator.GetBytes(1000);
                ids.Add(Id.Hash(plain));
                Assert.True(await repo.SaveBlobAsync(BlobType.Data, ids[^1], plain, Ct));
            }
            await repo.FlushAsync(Ct);
        }

        await using var reopened = await Repo.OpenAsync(backend, "pw", new RepositoryOptions(), Ct);
        await reopened.LoadIndexAsync(Ct);
        var packs = new List<List<PackedBlob>>();
        await foreach (var file in reopened.ListFilesAsync(FileType.Pack, Ct))
            packs.Add(await reopened.ReadPackHeaderAsync(Id.Parse(file.Name), file.Size, Ct));
        var sizes = packs.Select(p => p.Count).OrderDescending().ToList();
        int full = 7 / blobsPerPack;
        Assert.Equal([.. Enumerable.Repeat(blobsPerPack, full), .. 7 % blobsPerPack == 0 ? Array.Empty<int>() : [7 % blobsPerPack]], sizes);
        // Each pack holds consecutive blobs in the order they were saved, and the index agrees with the headers.
        foreach (var pack in packs)
        {
            int first = ids.IndexOf(pack[0].Id);
            Assert.Equal(ids.Skip(first).Take(pack.Count), pack.Select(b => b.Id));
            foreach (var blob in pack)
            {
                Assert.True(reopened.Index.TryLookup(BlobType.Data, blob.Id, out var location));
                Assert.Equal(blob, location.Blob);
            }
        }
    }
}
