using System.Security.Cryptography;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Repository;

/// <summary>
/// A repository on a memory backend: opening it (and the errors a user meets), blobs saved once and read back in the
/// form restic 0.14 gives each repository version, and a damaged copy of a blob passed over for an intact one.
/// </summary>
public class RepositoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly (int, int, int) FastKdf = (1024, 8, 1);

    private static Task<Repo> InitAsync(IBackend backend, int version = 2, RepositoryOptions? options = null) =>
        Repo.InitAsync(backend, "pw", version, options ?? new RepositoryOptions(), FastKdf, cancellationToken: Ct);

    private static async Task<Repo> ReopenAsync(IBackend backend)
    {
        var repo = await Repo.OpenAsync(backend, "pw", new RepositoryOptions(), Ct);
        await repo.LoadIndexAsync(Ct);
        return repo;
    }

    private static byte[] Compressible(int length, byte seed)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++) data[i] = (byte)(seed + i % 7);
        return data;
    }

    [Fact]
    public async Task Open_FailsAsARepositoryShould()
    {
        var empty = new MemoryBackend("memory:empty");
        var none = await Assert.ThrowsAsync<RepositoryException>(() => Repo.OpenAsync(empty, "pw", new RepositoryOptions(), Ct));
        Assert.Equal(RepositoryErrorKind.NotFound, none.Kind);
        Assert.Contains("there is no repository at memory:empty", none.Message);

        var backend = new MemoryBackend("memory:repo");
        await (await InitAsync(backend)).DisposeAsync();
        var wrong = await Assert.ThrowsAsync<RepositoryException>(() => Repo.OpenAsync(backend, "not pw", new RepositoryOptions(), Ct));
        Assert.Equal(RepositoryErrorKind.WrongPassword, wrong.Kind);

        var again = await Assert.ThrowsAsync<RepositoryException>(() => InitAsync(backend));
        Assert.Equal((RepositoryErrorKind.Fatal, "repository memory:repo already exists: it has a config file"), (again.Kind, again.Message));
        var version = await Assert.ThrowsAsync<RepositoryException>(() => InitAsync(new MemoryBackend(), version: 3));
        Assert.Equal(RepositoryErrorKind.Fatal, version.Kind);

        await using var opened = await Repo.OpenAsync(backend, "pw", new RepositoryOptions(), Ct);
        Assert.Equal(2, opened.Version);
    }

    /// <summary>restic 0.14: v1 never compresses; v2 compresses every blob, trees even with --compression off.</summary>
    [Theory]
    [InlineData(1, CompressionMode.Auto, false, false)]
    [InlineData(2, CompressionMode.Auto, true, true)]
    [InlineData(2, CompressionMode.Max, true, true)]
    [InlineData(2, CompressionMode.Off, false, true)]
    public async Task Blobs_RoundTrip_CompressedAsTheVersionAndModeSay(int version, CompressionMode mode, bool dataCompressed, bool treeCompressed)
    {
        var backend = new MemoryBackend();
        var data = Compressible(20_000, 1);
        var tree = Compressible(3_000, 2);
        await using (var repo = await InitAsync(backend, version, new RepositoryOptions { Compression = mode }))
        {
            Assert.True(await repo.SaveBlobAsync(BlobType.Data, Id.Hash(data), data, Ct));
            Assert.True(await repo.SaveBlobAsync(BlobType.Tree, Id.Hash(tree), tree, Ct));
            Assert.True(await repo.SaveBlobAsync(BlobType.Data, Id.Hash([]), Array.Empty<byte>(), Ct));
            await repo.FlushAsync(Ct);
        }

        await using var reopened = await ReopenAsync(backend);
        Assert.Equal(data, await reopened.LoadBlobAsync(BlobType.Data, Id.Hash(data), Ct));
        Assert.Equal(tree, await reopened.LoadBlobAsync(BlobType.Tree, Id.Hash(tree), Ct));
        Assert.Empty(await reopened.LoadBlobAsync(BlobType.Data, Id.Hash([]), Ct));

        Assert.True(reopened.Index.TryLookup(BlobType.Data, Id.Hash(data), out var d));
        Assert.True(reopened.Index.TryLookup(BlobType.Tree, Id.Hash(tree), out var t));
        Assert.Equal(dataCompressed, d.Blob.IsCompressed);
        Assert.Equal(treeCompressed, t.Blob.IsCompressed);
        if (dataCompressed) Assert.Equal((uint)data.Length, d.Blob.UncompressedLength);
        else Assert.Equal((uint)data.Length + 32, d.Blob.Length);
        // Data and trees go to packs of their own, as restic keeps them.
        Assert.NotEqual(d.PackId, t.PackId);
    }

    [Fact]
    public async Task ABlobSavedTwice_IsStoredOnce()
    {
        var backend = new MemoryBackend();
        var data = RandomNumberGenerator.GetBytes(5000);
        await using var repo = await InitAsync(backend);
        Assert.True(await repo.SaveBlobAsync(BlobType.Data, Id.Hash(data), data, Ct));
        Assert.False(await repo.SaveBlobAsync(BlobType.Data, Id.Hash(data), data, Ct));
        await repo.FlushAsync(Ct);
        Assert.False(await repo.SaveBlobAsync(BlobType.Data, Id.Hash(data), data, Ct));
        Assert.Single(repo.Index.LookupAll(BlobType.Data, Id.Hash(data)));
        Assert.Equal(1, await CountAsync(backend, FileType.Pack));
    }

    [Fact]
    public async Task BlobsSavedByManyWorkersAtOnce_AreEachStoredOnce()
    {
        // Several files holding the same chunks, read by parallel workers: each chunk is new to exactly one of them.
        var backend = new MemoryBackend();
        var blobs = Enumerable.Range(0, 40).Select(i => RandomNumberGenerator.GetBytes(500 + i)).ToList();
        int added = 0;
        await using (var repo = await InitAsync(backend, options: new RepositoryOptions { PackSize = 4000 }))
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, 6), Ct, async (worker, ct) =>
            {
                foreach (var blob in blobs.Skip(worker).Concat(blobs.Take(worker)))
                    if (await repo.SaveBlobAsync(BlobType.Data, Id.Hash(blob), blob, ct)) Interlocked.Increment(ref added);
            });
            await repo.FlushAsync(Ct);
        }
        Assert.Equal(blobs.Count, added);

        await using var reopened = await ReopenAsync(backend);
        Assert.Equal(blobs.Count, reopened.Index.Count);
        foreach (var blob in blobs) Assert.Equal(blob, await reopened.LoadBlobAsync(BlobType.Data, Id.Hash(blob), Ct));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PacksWaitingLongerThanIndexMaxAge_GetTheirIndexBeforeTheFlush(bool aged)
    {
        // restic writes an index once its packs have waited 10 minutes: what a long backup or prune uploaded before
        // an interruption is then known to the next run. Zero makes every pack old enough at once.
        var backend = new MemoryBackend();
        var options = new RepositoryOptions { PackSize = 4000, IndexMaxAge = aged ? TimeSpan.Zero : TimeSpan.FromMinutes(10) };
        await using var repo = await InitAsync(backend, options: options);
        var blobs = Enumerable.Range(0, 12).Select(i => RandomNumberGenerator.GetBytes(1500 + i)).ToList();
        foreach (var blob in blobs) await repo.SaveBlobAsync(BlobType.Data, Id.Hash(blob), blob, Ct);
        // the uploads (and the index they may bring) finish in the background; give them time
        for (int i = 0; i < 100 && await CountAsync(backend, FileType.Index) == 0 && aged; i++) await Task.Delay(50, Ct);
        await Task.Delay(aged ? 0 : 500, Ct);
        int indexFiles = await CountAsync(backend, FileType.Index);
        if (aged) Assert.True(indexFiles > 0, "no index file was written for packs older than IndexMaxAge");
        else Assert.Equal(0, indexFiles);

        await repo.FlushAsync(Ct);
        await using var reopened = await ReopenAsync(backend);
        foreach (var blob in blobs) Assert.Equal(blob, await reopened.LoadBlobAsync(BlobType.Data, Id.Hash(blob), Ct));
    }

    [Fact]
    public async Task ADamagedCopyOfABlob_IsPassedOverForAnIntactOne()
    {
        var backend = new MemoryBackend();
        var data = RandomNumberGenerator.GetBytes(5000);
        var id = Id.Hash(data);
        await using (var repo = await InitAsync(backend))
        {
            await repo.SaveBlobAsync(BlobType.Data, id, data, Ct);
            await repo.FlushAsync(Ct);
            // A second copy in a pack of its own, as an interrupted prune can leave.
            await using var repack = repo.CreateRepackTarget();
            Assert.True(await repack.SaveBlobAsync(BlobType.Data, id, data, Ct));
            await repack.FlushAsync(Ct);
        }

        await using var reopened = await ReopenAsync(backend);
        var copies = reopened.Index.LookupAll(BlobType.Data, id);
        Assert.Equal(2, copies.Count);
        await DamageAsync(backend, copies[0]);
        Assert.Equal(data, await reopened.LoadBlobAsync(BlobType.Data, id, Ct));

        await DamageAsync(backend, copies[1]);
        var e = await Assert.ThrowsAsync<RepositoryException>(() => reopened.LoadBlobAsync(BlobType.Data, id, Ct));
        Assert.Equal(RepositoryErrorKind.Damaged, e.Kind);
        Assert.Equal($"pack {copies[1].PackId} is damaged: blob {id} at offset {copies[1].Blob.Offset} does not verify", e.Message);

        var unknown = Id.Hash("never saved"u8);
        var missing = await Assert.ThrowsAsync<RepositoryException>(() => reopened.LoadBlobAsync(BlobType.Data, unknown, Ct));
        Assert.Equal($"data blob {unknown} is not in the index: the repository is damaged (try rebuild-index)", missing.Message);
    }

    [Fact]
    public async Task ABlobWhosePackIsGone_IsDamaged_NamingThePack()
    {
        var backend = new MemoryBackend();
        var data = RandomNumberGenerator.GetBytes(100);
        await using (var repo = await InitAsync(backend))
        {
            await repo.SaveBlobAsync(BlobType.Tree, Id.Hash(data), data, Ct);
            await repo.FlushAsync(Ct);
        }
        await using var reopened = await ReopenAsync(backend);
        Assert.True(reopened.Index.TryLookup(BlobType.Tree, Id.Hash(data), out var location));
        await backend.DeleteAsync(FileType.Pack, location.PackId.ToString(), Ct);
        var e = await Assert.ThrowsAsync<RepositoryException>(() => reopened.LoadBlobAsync(BlobType.Tree, Id.Hash(data), Ct));
        Assert.Equal($"pack {location.PackId} is missing: it holds tree blob {Id.Hash(data)}", e.Message);
    }

    [Fact]
    public async Task AnUnpackedFileWhoseContentDoesNotMatchItsName_IsDamaged()
    {
        var backend = new MemoryBackend();
        await using var repo = await InitAsync(backend);
        var id = await repo.SaveUnpackedAsync(FileType.Snapshot, "{\"a\":1}"u8.ToArray(), Ct);
        Assert.Equal("{\"a\":1}"u8.ToArray(), await repo.LoadUnpackedAsync(FileType.Snapshot, id, Ct));

        var stored = await backend.ReadAllAsync(FileType.Snapshot, id.ToString(), Ct);
        stored[^1] ^= 1;
        await backend.SaveAsync(FileType.Snapshot, id.ToString(), stored, Ct);
        var e = await Assert.ThrowsAsync<RepositoryException>(() => repo.LoadUnpackedAsync(FileType.Snapshot, id, Ct));
        Assert.Equal((RepositoryErrorKind.Damaged, $"snapshot {id} is damaged: its content does not match its name"), (e.Kind, e.Message));
    }

    [Fact]
    public async Task AVersion1IndexListingCompressedBlobs_IsRefused()
    {
        var backend = new MemoryBackend();
        await using (var repo = await InitAsync(backend, version: 1))
            await repo.SaveIndexFilesAsync([(Id.Hash("pack"u8), [new PackedBlob(Id.Hash("blob"u8), BlobType.Data, 0, 50, 100)])], [], Ct);
        var e = await Assert.ThrowsAsync<RepositoryException>(() => ReopenAsync(backend));
        Assert.Equal(RepositoryErrorKind.Damaged, e.Kind);
        Assert.EndsWith("uses compression, which repository version 1 does not support", e.Message);
    }

    private static async Task DamageAsync(MemoryBackend backend, BlobLocation location)
    {
        var pack = await backend.ReadAllAsync(FileType.Pack, location.PackId.ToString(), Ct);
        pack[location.Blob.Offset + 20] ^= 0x40;
        await backend.SaveAsync(FileType.Pack, location.PackId.ToString(), pack, Ct);
    }

    private static async Task<int> CountAsync(IBackend backend, FileType type)
    {
        int n = 0;
        await foreach (var _ in backend.ListAsync(type, Ct)) n++;
        return n;
    }
}
