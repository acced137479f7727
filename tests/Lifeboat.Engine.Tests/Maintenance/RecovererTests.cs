using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Tests.Restore;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>recover: the trees nothing references become one snapshot "/recover", as restic's recover makes it.</summary>
public class RecovererTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OnlyTheRootsOfUnreferencedTrees_AreRecovered_EachUnderItsShortId()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var orphanRoot = await repo.TreeAsync(await repo.DirAsync("sub", 0x1ED, await repo.TextFileAsync("a", "alpha")));
        var referenced = await repo.TreeAsync(await repo.TextFileAsync("b", "bravo"));
        await repo.FlushAsync();
        await repo.Repository.SaveSnapshotAsync(new Snapshot { Time = GoTime.FromUnix(1_700_000_000, 0), Tree = referenced, Paths = ["/x"] }, Ct);
        var recoverer = new Recoverer(repo.Repository, _ => { }, _ => { });

        var roots = await recoverer.FindRootsAsync(Ct);

        Assert.Equal([orphanRoot], roots);
        var snapshot = await recoverer.SaveSnapshotAsync(roots, "host", Ct);
        Assert.Equal(["/recover"], snapshot.Paths);
        Assert.Equal(["recovered"], snapshot.Tags);
        Assert.Equal("host", snapshot.Hostname);
        var node = Assert.Single((await repo.Repository.LoadTreeAsync(snapshot.Tree, Ct)).Nodes);
        Assert.Equal(orphanRoot.ToShortString(), node.Name);
        Assert.Equal(NodeType.Dir, node.Type);
        Assert.Equal(orphanRoot, node.Subtree);
        Assert.Empty(await recoverer.FindRootsAsync(Ct));
    }
}
