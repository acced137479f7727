using System.Text;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>
/// Prune's plan, made by index entry number with bitmaps instead of sets of blob IDs and copies of the index: it still
/// tells used, duplicated and unused blobs apart across packs, and the prune it drives keeps each used blob once and
/// drops the rest.
/// </summary>
public sealed class PrunePlanTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<Id> SaveAsync(Repo repo, string text)
    {
        var data = Encoding.UTF8.GetBytes(text);
        var id = Id.Hash(data);
        await repo.SaveBlobAsync(BlobType.Data, id, data, Ct);
        return id;
    }

    private static Node File(string name, params Id[] content) =>
        new() { Name = name, Type = NodeType.File, Mode = 0x1A4, Content = [.. content], Size = 1, Links = 1 };

    /// <summary>
    /// Packs: A = {a1 used, a2 unused}, B = {b1, b2 unused}, C = {c1, c2 used}, D = {d used}, and E = {d again}, written by a
    /// second writer that had not loaded the index; one snapshot uses a1, c1, c2 and d.
    /// </summary>
    private static async Task<(MemoryBackend Storage, Dictionary<string, Id> Blobs)> MakeAsync()
    {
        var storage = new MemoryBackend();
        var blobs = new Dictionary<string, Id>();
        await using (var repo = await Repo.InitAsync(storage, "pw", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct))
        {
            foreach (var pack in new[] { new[] { "a1", "a2" }, ["b1", "b2"], ["c1", "c2"], ["d"] })
            {
                foreach (var name in pack) blobs[name] = await SaveAsync(repo, $"blob {name}");
                await repo.FlushAsync(Ct);
            }
            var (tree, _, _) = await repo.SaveTreeAsync(
                new Tree([File("a", blobs["a1"]), File("c", blobs["c1"], blobs["c2"]), File("d", blobs["d"])]), Ct);
            await repo.FlushAsync(Ct);
            await repo.SaveSnapshotAsync(new Snapshot { Time = GoTime.FromUnix(1_700_000_000, 0), Tree = tree, Paths = ["/src"], Hostname = "h" }, Ct);
        }
        await using (var other = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct))
        {
            Assert.Equal(blobs["d"], await SaveAsync(other, "blob d"));
            await other.FlushAsync(Ct);
        }
        return (storage, blobs);
    }

    [Fact]
    public async Task Plan_counts_used_duplicated_and_unused_blobs_and_removes_the_unused_pack_and_one_copy_of_d()
    {
        var (storage, blobs) = await MakeAsync();
        await using var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct);
        await repo.LoadIndexAsync(Ct);
        Assert.Equal(2, repo.Index.LookupAll(BlobType.Data, blobs["d"]).Count);

        var plan = await new Pruner(repo, new PruneOptions()).PlanAsync(Ct);

        var s = plan.Statistics;
        Assert.Equal(5, s.UsedBlobs);          // a1, c1, c2, d and the tree
        Assert.Equal(1, s.DuplicateBlobs);     // d's second copy
        Assert.Equal(3, s.UnusedBlobs);        // a2, b1, b2
        Assert.Equal(9, s.TotalBlobs);
        var packB = repo.Index.LookupAll(BlobType.Data, blobs["b1"]).Single().PackId;
        // D and E hold nothing but d: one keeps it, the other goes as a pack nothing is used from (restic 0.17)
        var dPacks = repo.Index.LookupAll(BlobType.Data, blobs["d"]).Select(l => l.PackId).ToList();
        Assert.Equal(2, plan.RemovePacks.Count);
        Assert.Contains(packB, plan.RemovePacks);
        Assert.Single(dPacks, plan.RemovePacks.Contains);
        Assert.DoesNotContain(plan.RepackPacks, dPacks.Contains);
        Assert.DoesNotContain(repo.Index.LookupAll(BlobType.Data, blobs["c1"]).Single().PackId, plan.RepackPacks);
    }

    [Fact]
    public async Task Prune_keeps_each_used_blob_once_with_its_content_and_drops_every_unused_one()
    {
        var (storage, blobs) = await MakeAsync();
        await using (var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct))
        {
            await repo.LoadIndexAsync(Ct);
            var pruner = new Pruner(repo, new PruneOptions { MaxUnusedBytes = _ => 0 });
            await pruner.ExecuteAsync(await pruner.PlanAsync(Ct), Ct);
        }

        await using var after = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct);
        await after.LoadIndexAsync(Ct);
        foreach (var name in new[] { "a1", "c1", "c2", "d" })
        {
            Assert.Single(after.Index.LookupAll(BlobType.Data, blobs[name]));
            Assert.Equal($"blob {name}", Encoding.UTF8.GetString(await after.LoadBlobAsync(BlobType.Data, blobs[name], Ct)));
        }
        foreach (var name in new[] { "a2", "b1", "b2" })
            Assert.False(after.Index.Has(BlobType.Data, blobs[name]), name);
        var again = await new Pruner(after, new PruneOptions { MaxUnusedBytes = _ => 0 }).PlanAsync(Ct);
        Assert.True(again.NothingToDo);
    }

    private static readonly RepositoryOptions SmallPackRepository = new() { PackSize = RepositoryOptions.MinPackSize };

    /// <summary>A 4 MiB-pack repository of <paramref name="dataPacks"/> packs of one used blob each (of <paramref name="blobBytes"/> random bytes) and one tree pack.</summary>
    private static async Task<MemoryBackend> SmallPacksAsync(int dataPacks, int blobBytes)
    {
        var storage = new MemoryBackend();
        await using var repo = await Repo.InitAsync(storage, "pw", 2, SmallPackRepository, (1024, 8, 1), cancellationToken: Ct);
        var random = new Random(dataPacks);
        var files = new List<Node>();
        for (int i = 0; i < dataPacks; i++)
        {
            var data = new byte[blobBytes];
            random.NextBytes(data);
            var id = Id.Hash(data);
            await repo.SaveBlobAsync(BlobType.Data, id, data, Ct);
            await repo.FlushAsync(Ct);
            files.Add(File($"f{i:D2}", id));
        }
        var (tree, _, _) = await repo.SaveTreeAsync(new Tree(files), Ct);
        await repo.FlushAsync(Ct);
        await repo.SaveSnapshotAsync(new Snapshot { Time = GoTime.FromUnix(1_700_000_000, 0), Tree = tree, Paths = ["/src"], Hostname = "h" }, Ct);
        return storage;
    }

    private static async Task<PrunePlan> PlanAsync(MemoryBackend storage, PruneOptions options)
    {
        await using var repo = await Repo.OpenAsync(storage, "pw", SmallPackRepository, Ct);
        await repo.LoadIndexAsync(Ct);
        return await new Pruner(repo, options).PlanAsync(Ct);
    }

    [Fact]
    public async Task Ten_or_more_packs_below_a_25th_of_the_pack_size_are_repacked_into_one_fewer_are_left()
    {
        // restic 0.16: fully used packs count as small below 1/25 of the pack size (167 KiB here)
        var twelve = await SmallPacksAsync(12, 1000);
        var plan = await PlanAsync(twelve, new PruneOptions());
        Assert.Equal(13, plan.RepackPacks.Count);
        Assert.Equal(13, plan.BlobsToRepack.Count);
        await using (var repo = await Repo.OpenAsync(twelve, "pw", SmallPackRepository, Ct))
        {
            await repo.LoadIndexAsync(Ct);
            var pruner = new Pruner(repo, new PruneOptions());
            await pruner.ExecuteAsync(await pruner.PlanAsync(Ct), Ct);
        }
        await using (var after = await Repo.OpenAsync(twelve, "pw", SmallPackRepository, Ct))
        {
            await after.LoadIndexAsync(Ct);
            Assert.Equal(2, after.Index.Packs.Count); // one data pack, one tree pack
            Assert.True((await new Pruner(after, new PruneOptions()).PlanAsync(Ct)).NothingToDo);
        }
        // nine and the tree pack: too few to be worth it
        Assert.True((await PlanAsync(await SmallPacksAsync(8, 1000), new PruneOptions())).NothingToDo);
    }

    [Fact]
    public async Task Repack_small_takes_packs_below_80_percent_and_repack_smaller_than_its_own_limit()
    {
        // eleven packs of 200 KB: above 1/25 of 4 MiB, below 80% of it
        var storage = await SmallPacksAsync(10, 200_000);
        Assert.True((await PlanAsync(storage, new PruneOptions())).NothingToDo);
        Assert.Equal(11, (await PlanAsync(storage, new PruneOptions { RepackSmall = true })).RepackPacks.Count);
        Assert.Equal(11, (await PlanAsync(storage, new PruneOptions { SmallPackBytes = 300_000 })).RepackPacks.Count);
        Assert.True((await PlanAsync(storage, new PruneOptions { SmallPackBytes = 100_000 })).NothingToDo);
        // restic 0.18 refuses a limit above the pack size
        var e = await Assert.ThrowsAsync<RepositoryException>(() => PlanAsync(storage, new PruneOptions { SmallPackBytes = RepositoryOptions.MinPackSize + 1 }));
        Assert.Equal(RepositoryErrorKind.Fatal, e.Kind);
        Assert.StartsWith("repack-smaller-than exceeds repository packsize", e.Message, StringComparison.Ordinal);
        Assert.Null(Record.Exception(() => Pruner.CheckOptions(SmallPackRepository, 2, new PruneOptions { SmallPackBytes = RepositoryOptions.MinPackSize })));
    }

    [Fact]
    public void Entry_bitmap_adds_each_entry_once_and_knows_nothing_outside_its_range()
    {
        var bits = new EntryBitmap(130);
        Assert.True(bits.Add(0));
        Assert.True(bits.Add(129));
        Assert.False(bits.Add(129));
        Assert.True(bits.Contains(0) && bits.Contains(129));
        Assert.False(bits.Contains(64) || bits.Contains(-1) || bits.Contains(130));
        Assert.Throws<ArgumentOutOfRangeException>(() => bits.Add(130));
    }
}
