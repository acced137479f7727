using System.Security.Cryptography;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>
/// Prune's repacking: a kept blob is verified and copied as the old pack stores it (no compression and encryption
/// again), unless a save would store it differently; an index entry that points past its pack ends in a clear error
/// before anything is deleted, never in an allocation the size of its claim.
/// </summary>
public sealed class PruneRepackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Node File(string name, params Id[] content) =>
        new() { Name = name, Type = NodeType.File, Mode = 0x1A4, Content = [.. content], Size = 1, Links = 1 };

    /// <summary>
    /// One data pack of <paramref name="used"/> used and one unused blob of compressible random text, saved with
    /// <paramref name="compression"/>, and a snapshot of the used ones. Returns the used blobs' plaintexts.
    /// </summary>
    private static async Task<(MemoryBackend Storage, List<byte[]> Used)> PartlyUsedPackAsync(CompressionMode compression, int used = 2)
    {
        var storage = new MemoryBackend();
        var plain = new List<byte[]>();
        await using var repo = await Repo.InitAsync(storage, "pw", 2, new RepositoryOptions { Compression = compression }, (1024, 8, 1), cancellationToken: Ct);
        var files = new List<Node>();
        for (int i = 0; i <= used; i++)
        {
            // hex digits: compressible, and different each time
            var data = System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(20_000)));
            await repo.SaveBlobAsync(BlobType.Data, Id.Hash(data), data, Ct);
            if (i == used) continue; // the last one is not used
            plain.Add(data);
            files.Add(File($"f{i}", Id.Hash(data)));
        }
        await repo.FlushAsync(Ct);
        var (tree, _, _) = await repo.SaveTreeAsync(new Tree(files), Ct);
        await repo.FlushAsync(Ct);
        await repo.SaveSnapshotAsync(new Snapshot { Time = GoTime.FromUnix(1_700_000_000, 0), Tree = tree, Paths = ["/src"], Hostname = "h" }, Ct);
        return (storage, plain);
    }

    /// <summary>Each blob's stored bytes (as its pack holds them) and whether the index says it is compressed.</summary>
    private static async Task<Dictionary<Id, (byte[] Stored, bool Compressed)>> StoredAsync(MemoryBackend storage, IEnumerable<byte[]> blobs)
    {
        await using var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct);
        await repo.LoadIndexAsync(Ct);
        var result = new Dictionary<Id, (byte[], bool)>();
        foreach (var plain in blobs)
        {
            Assert.True(repo.Index.TryLookup(BlobType.Data, Id.Hash(plain), out var location));
            var pack = await storage.ReadAllAsync(FileType.Pack, location.PackId.ToString(), Ct);
            result[Id.Hash(plain)] = (pack.AsSpan((int)location.Blob.Offset, (int)location.Blob.Length).ToArray(), location.Blob.IsCompressed);
        }
        return result;
    }

    private static async Task PruneAsync(MemoryBackend storage, CompressionMode compression)
    {
        await using var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions { Compression = compression }, Ct);
        await repo.LoadIndexAsync(Ct);
        var pruner = new Pruner(repo, new PruneOptions { MaxUnusedBytes = _ => 0 });
        var plan = await pruner.PlanAsync(Ct);
        Assert.NotEmpty(plan.RepackPacks);
        await pruner.ExecuteAsync(plan, Ct);
    }

    private static async Task AssertContentAsync(MemoryBackend storage, List<byte[]> used)
    {
        await using var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct);
        await repo.LoadIndexAsync(Ct);
        foreach (var plain in used) Assert.Equal(plain, await repo.LoadBlobAsync(BlobType.Data, Id.Hash(plain), Ct));
        var checker = new Checker(repo);
        Assert.True(await checker.LoadIndexAsync(Ct));
        await checker.CheckPacksAsync(Ct);
        await checker.ReadPacksAsync(checker.IndexedPacks.Keys.ToList(), null, Ct);
        Assert.Empty(checker.Problems);
    }

    [Theory]
    [InlineData(CompressionMode.Auto)]
    [InlineData(CompressionMode.Off)]
    public async Task A_kept_blob_is_copied_byte_for_byte_when_a_save_would_store_it_alike(CompressionMode compression)
    {
        var (storage, used) = await PartlyUsedPackAsync(compression);
        var before = await StoredAsync(storage, used);

        await PruneAsync(storage, compression);

        var after = await StoredAsync(storage, used);
        foreach (var plain in used)
        {
            var id = Id.Hash(plain);
            Assert.Equal(compression != CompressionMode.Off, after[id].Compressed);
            // the same IV, ciphertext and MAC: copied, not encrypted again (which draws a new IV)
            Assert.Equal(before[id].Stored, after[id].Stored);
        }
        await AssertContentAsync(storage, used);
    }

    [Fact]
    public async Task An_uncompressed_blob_is_compressed_when_the_prune_compresses_as_restic_does()
    {
        var (storage, used) = await PartlyUsedPackAsync(CompressionMode.Off);
        var before = await StoredAsync(storage, used);
        Assert.All(before.Values, b => Assert.False(b.Compressed));

        await PruneAsync(storage, CompressionMode.Auto);

        var after = await StoredAsync(storage, used);
        Assert.All(after.Values, b => Assert.True(b.Compressed));
        Assert.All(used, plain => Assert.True(after[Id.Hash(plain)].Stored.Length < before[Id.Hash(plain)].Stored.Length));
        await AssertContentAsync(storage, used);
    }

    [Fact]
    public async Task An_index_entry_past_the_end_of_its_pack_stops_the_prune_with_a_clear_error_before_anything_is_deleted()
    {
        var (storage, used) = await PartlyUsedPackAsync(CompressionMode.Auto);
        var crafted = Id.Hash(used[1]);
        // the same length (the pack's size still adds up), at 1.75 GiB: a range read from the first kept blob to the
        // end of this one was a 1.75 GiB allocation
        await PackRepairTests.RewriteIndexAsync(storage, b => b.Id == crafted ? b with { Offset = 0x7000_0000 } : b);
        var files = new Dictionary<FileType, List<string>>();
        foreach (var type in new[] { FileType.Pack, FileType.Index, FileType.Snapshot })
            files[type] = (await storage.ListAsync(type, Ct).ToListAsync(Ct)).Select(f => f.Name).Order().ToList();

        await using (var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct))
        {
            await repo.LoadIndexAsync(Ct);
            var pruner = new Pruner(repo, new PruneOptions { MaxUnusedBytes = _ => 0 });
            var plan = await pruner.PlanAsync(Ct);
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var e = await Assert.ThrowsAsync<RepositoryException>(() => pruner.ExecuteAsync(plan, Ct));
            Assert.True(GC.GetTotalAllocatedBytes(precise: true) - allocated < 512L << 20, "the prune allocated as much as the index claimed");
            Assert.Equal(RepositoryErrorKind.Damaged, e.Kind);
            Assert.Contains(crafted.ToString(), e.Message, StringComparison.Ordinal);
        }

        // the new packs that were written are unreferenced; what was there is all still there
        foreach (var type in new[] { FileType.Index, FileType.Snapshot })
            Assert.Equal(files[type], (await storage.ListAsync(type, Ct).ToListAsync(Ct)).Select(f => f.Name).Order().ToList());
        Assert.Subset((await storage.ListAsync(FileType.Pack, Ct).ToListAsync(Ct)).Select(f => f.Name).ToHashSet(), files[FileType.Pack].ToHashSet());
    }
}
