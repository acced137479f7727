using System.Text;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Tests.Restore;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>repair snapshots: what the index lacks is cut out of the trees, as restic 0.16 does it.</summary>
public class SnapshotRepairTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<Snapshot> SaveSnapshotAsync(RestoreRepository repo, Id tree)
    {
        var snapshot = new Snapshot { Time = GoTime.FromUnix(1_700_000_000, 0), Tree = tree, Paths = ["/src"], Hostname = "h" };
        await repo.Repository.SaveSnapshotAsync(snapshot, Ct);
        return snapshot;
    }

    [Fact]
    public async Task MissingContentAndTrees_AreCutOut_TheRepairedSnapshotIsTagged_AndTheOriginalForgotten()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var here = await repo.BlobAsync("here-");
        var missingBlob = Id.Hash(Encoding.UTF8.GetBytes("never stored"));
        var damaged = RestoreRepository.File("damaged", [here, missingBlob], 17);
        var intact = await repo.TextFileAsync("intact", "fine");
        var lostDir = new Node { Name = "lost", Type = NodeType.Dir, Mode = GoFileMode.Dir | 0x1ED, Subtree = Id.Hash(Encoding.UTF8.GetBytes("no such tree")) };
        var root = await repo.TreeAsync(damaged, intact, lostDir);
        await repo.FlushAsync();
        var original = await SaveSnapshotAsync(repo, root);
        var originalId = original.Id;
        var lines = new List<string>();

        var result = await SnapshotRepair.Rewriter(repo.Repository, dryRun: false, lines.Add).RewriteAsync(original, dryRun: false, forget: true, Ct);

        Assert.Equal(SnapshotRewriter.Outcome.Rewritten, result.Outcome);
        Assert.Equal(["file \"/damaged\": removed missing content", "dir \"/lost\": replaced with empty directory"], lines);
        var ids = await repo.Repository.ListIdsAsync(FileType.Snapshot, Ct);
        var repaired = await repo.Repository.LoadSnapshotAsync(Assert.Single(ids), Ct);
        Assert.Equal(originalId, repaired.Original);
        Assert.Null(repaired.Tags); // forgotten original: no "repaired" tag
        var nodes = (await repo.Repository.LoadTreeAsync(repaired.Tree, Ct)).Nodes;
        Assert.Equal([here], nodes[0].Content);
        Assert.Equal(5UL, nodes[0].Size);
        Assert.Equal(intact.Content, nodes[1].Content);
        Assert.Empty((await repo.Repository.LoadTreeAsync(nodes[2].Subtree!.Value, Ct)).Nodes);
    }

    [Fact]
    public async Task AnIntactSnapshot_IsLeftAlone_AndOneWithAnUnreadableRoot_IsRemoved()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await repo.TreeAsync(await repo.TextFileAsync("ok", "fine"));
        await repo.FlushAsync();
        var intact = await SaveSnapshotAsync(repo, root);
        var broken = await SaveSnapshotAsync(repo, Id.Hash(Encoding.UTF8.GetBytes("gone")));
        var lines = new List<string>();
        var rewriter = SnapshotRepair.Rewriter(repo.Repository, dryRun: false, lines.Add);

        Assert.Equal(SnapshotRewriter.Outcome.Unchanged, (await rewriter.RewriteAsync(intact, dryRun: false, forget: false, Ct)).Outcome);
        Assert.Equal(SnapshotRewriter.Outcome.Removed, (await rewriter.RewriteAsync(broken, dryRun: false, forget: false, Ct)).Outcome);

        Assert.Equal([intact.Id], await repo.Repository.ListIdsAsync(FileType.Snapshot, Ct));
        Assert.Equal(["dir \"/\": not readable"], lines);
    }
}
