using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Tests.Restore;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>rewrite's tree filter: what is dropped, what stays untouched (same IDs), and the counts for the summary.</summary>
public class TreeRewriterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>/{keep/{a.txt}, drop/{b.txt}, c.log}</summary>
    private static async Task<(Id Root, Id KeepTree)> TreeAsync(RestoreRepository repo)
    {
        var keep = await repo.DirAsync("keep", 0x1ED, await repo.TextFileAsync("a.txt", "aaaa"));
        var drop = await repo.DirAsync("drop", 0x1ED, await repo.TextFileAsync("b.txt", "bb"));
        var root = await repo.TreeAsync(drop, keep, await repo.TextFileAsync("c.log", "c"));
        await repo.FlushAsync();
        return (root, keep.Subtree!.Value);
    }

    private static async Task<List<string>> PathsAsync(RestoreRepository repo, Id tree, string prefix = "")
    {
        var paths = new List<string>();
        foreach (var node in (await repo.Repository.LoadTreeAsync(tree, Ct)).Nodes)
        {
            paths.Add(prefix + "/" + node.Name);
            if (node.Subtree is { } sub) paths.AddRange(await PathsAsync(repo, sub, prefix + "/" + node.Name));
        }
        return paths;
    }

    [Fact]
    public async Task Exclude_DropsTheMatchedItems_KeepsUntouchedSubtreesAsTheyWere_AndCountsWhatIsLeft()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var (root, keepTree) = await TreeAsync(repo);

        var rewriter = new TreeRewriter(repo.Repository, (_, path) => path != "/drop" && !path.EndsWith(".log", StringComparison.Ordinal));
        var result = await rewriter.RewriteAsync(root, Ct);
        await repo.FlushAsync();

        Assert.NotEqual(root, result.Tree);
        Assert.Equal(["/keep", "/keep/a.txt"], await PathsAsync(repo, result.Tree!.Value));
        var keepNode = (await repo.Repository.LoadTreeAsync(result.Tree.Value, Ct)).Nodes.Single();
        Assert.Equal(keepTree, keepNode.Subtree);
        Assert.Equal(1UL, result.Files);
        Assert.Equal(4UL, result.Bytes);
    }

    [Fact]
    public async Task NothingDropped_GivesTheSameTreeId()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var (root, _) = await TreeAsync(repo);

        var result = await new TreeRewriter(repo.Repository, (_, _) => true).RewriteAsync(root, Ct);

        Assert.Equal(root, result.Tree);
        Assert.Equal(3UL, result.Files);
        Assert.Equal(7UL, result.Bytes);
    }

    [Fact]
    public async Task IncludeMode_DropsDirectoriesLeftEmpty_UnlessMatched_AndAnEmptyRootGivesNoTree()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var (root, _) = await TreeAsync(repo);

        var onlyA = await new TreeRewriter(repo.Repository, (node, path) => node.Type == NodeType.Dir || path == "/keep/a.txt", _ => false).RewriteAsync(root, Ct);
        await repo.FlushAsync();
        Assert.Equal(["/keep", "/keep/a.txt"], await PathsAsync(repo, onlyA.Tree!.Value));

        var dropKept = await new TreeRewriter(repo.Repository, (node, _) => node.Type == NodeType.Dir, path => path == "/drop").RewriteAsync(root, Ct);
        await repo.FlushAsync();
        Assert.Equal(["/drop"], await PathsAsync(repo, dropKept.Tree!.Value));

        var none = await new TreeRewriter(repo.Repository, (node, _) => node.Type == NodeType.Dir, _ => false).RewriteAsync(root, Ct);
        Assert.Null(none.Tree);
    }
}
