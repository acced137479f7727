using System.Text;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>copy in batches (restic 0.19): many small snapshots share their packs instead of leaving two part-filled packs each.</summary>
public sealed class CopyBatchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Ten snapshots, each of one small file of its own.</summary>
    private static async Task<MemoryBackend> SourceAsync()
    {
        var storage = new MemoryBackend();
        await using var repo = await Repo.InitAsync(storage, "pw", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        for (int i = 0; i < 10; i++)
        {
            var data = Encoding.UTF8.GetBytes($"file {i}");
            var blob = Id.Hash(data);
            await repo.SaveBlobAsync(BlobType.Data, blob, data, Ct);
            var (tree, _, _) = await repo.SaveTreeAsync(new Tree([new Node { Name = $"f{i}", Type = NodeType.File, Mode = 0x1A4, Content = [blob], Size = (ulong)data.Length }]), Ct);
            await repo.FlushAsync(Ct);
            await repo.SaveSnapshotAsync(new Snapshot { Time = GoTime.FromUnix(1_700_000_000 + i, 0), Tree = tree, Paths = ["/src"], Hostname = "h" }, Ct);
        }
        return storage;
    }

    private static async Task<(int Packs, int Snapshots)> CopyAsync(Func<Repo, Repo, CopyOperation> operation)
    {
        var sourceStorage = await SourceAsync();
        var destinationStorage = new MemoryBackend();
        await (await Repo.InitAsync(destinationStorage, "pw2", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct)).DisposeAsync();
        await using (var source = await Repo.OpenAsync(sourceStorage, "pw", new RepositoryOptions(), Ct))
        await using (var destination = await Repo.OpenAsync(destinationStorage, "pw2", new RepositoryOptions(), Ct))
        {
            await source.LoadIndexAsync(Ct);
            await destination.LoadIndexAsync(Ct);
            var outcomes = await operation(source, destination).RunAsync(await source.ListSnapshotsAsync(Ct), null, null, Ct);
            Assert.All(outcomes, o => Assert.NotNull(o.NewId));
        }
        await using var copied = await Repo.OpenAsync(destinationStorage, "pw2", new RepositoryOptions(), Ct);
        await copied.LoadIndexAsync(Ct);
        var snapshots = await copied.ListSnapshotsAsync(Ct);
        // each copied snapshot has its tree and its file's content
        foreach (var sn in snapshots)
        {
            var tree = Tree.Parse(await copied.LoadBlobAsync(BlobType.Tree, sn.Tree, Ct));
            var content = Encoding.UTF8.GetString(await copied.LoadBlobAsync(BlobType.Data, tree.Nodes[0].Content![0], Ct));
            Assert.Equal("file " + tree.Nodes[0].Name[1..], content);
        }
        return (copied.Index.Packs.Count, snapshots.Count);
    }

    [Fact]
    public async Task Ten_small_snapshots_copied_in_one_batch_share_one_data_pack_and_one_tree_pack()
    {
        Assert.Equal((2, 10), await CopyAsync((s, d) => new CopyOperation(s, d)));
    }

    [Fact]
    public async Task One_snapshot_per_batch_writes_two_packs_each()
    {
        // what copy did before batches: each snapshot flushed on its own
        Assert.Equal((20, 10), await CopyAsync((s, d) => new CopyOperation(s, d) { BatchBytes = 0, BatchDuration = TimeSpan.Zero }));
    }
}
