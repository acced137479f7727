using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Trees;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Trees;

/// <summary>ls's listing on an in-memory repository: which nodes, in which order, for which directories.</summary>
public class SnapshotListingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Node File(string name) => new() { Name = name, Type = NodeType.File, Content = [] };

    private static async Task<Node> Dir(Repo repo, string name, params Node[] children) =>
        new() { Name = name, Type = NodeType.Dir, Subtree = (await repo.SaveTreeAsync(new Tree(children), Ct)).Id };

    /// <summary>/a/{x, y/{z}}, /b, /c/{d/{e}}.</summary>
    private static async Task<(Repo Repo, Id Root)> SampleAsync()
    {
        var repo = await Repo.InitAsync(new MemoryBackend(), "pw", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        var a = await Dir(repo, "a", File("x"), await Dir(repo, "y", File("z")));
        var c = await Dir(repo, "c", await Dir(repo, "d", File("e")));
        var root = (await repo.SaveTreeAsync(new Tree([a, File("b"), c]), Ct)).Id;
        await repo.FlushAsync(Ct);
        return (repo, root);
    }

    private static async Task<List<string>> ListAsync(string[] dirs, bool recursive, bool withDirectoriesOnTheWay = false)
    {
        var (repo, root) = await SampleAsync();
        await using var _ = repo;
        var listed = new List<string>();
        var listing = new SnapshotListing(repo, dirs, recursive);
        Action<Node, string> add = (node, path) =>
        {
            Assert.EndsWith("/" + node.Name, path);
            listed.Add(path);
        };
        await (withDirectoriesOnTheWay ? listing.ListWithDirectoriesOnTheWayAsync(root, add, Ct) : listing.ListAsync(root, add, Ct));
        return listed;
    }

    [Fact]
    public async Task WithDirectoriesOnTheWay_AlsoListsTheAncestorsOfListedDirectories()
    {
        // ls --ncdu: the tree's shape is kept, so /c is there before /c/d
        Assert.Equal(["/a", "/a/y", "/a/y/z", "/c", "/c/d", "/c/d/e"], await ListAsync(["/a/y", "/c/d"], recursive: false, withDirectoriesOnTheWay: true));
        Assert.Equal(["/a", "/a/x", "/a/y"], await ListAsync(["/a"], recursive: false, withDirectoriesOnTheWay: true));
        Assert.Equal(["/c", "/c/d", "/c/d/e"], await ListAsync(["/c/d/e"], recursive: false, withDirectoriesOnTheWay: true));
        // without it, only what the directories hold
        Assert.Equal(["/c/d/e"], await ListAsync(["/c/d/e"], recursive: false));
    }

    [Fact]
    public async Task NoDirectories_ListsTheWholeTreeDepthFirst()
    {
        Assert.Equal(["/a", "/a/x", "/a/y", "/a/y/z", "/b", "/c", "/c/d", "/c/d/e"], await ListAsync([], recursive: false));
    }

    [Fact]
    public async Task ADirectory_ListsItselfAndWhatIsDirectlyInIt_AndRecursiveEverythingBelow()
    {
        // restic 0.14 lists the directory itself first
        Assert.Equal(["/a", "/a/x", "/a/y"], await ListAsync(["/a"], recursive: false));
        Assert.Equal(["/a", "/a/x", "/a/y", "/a/y/z"], await ListAsync(["a/"], recursive: true));
    }

    [Fact]
    public async Task AFile_ListsItself()
    {
        Assert.Equal(["/a/x"], await ListAsync(["/a/x"], recursive: false));
        // each node once, also when two listed paths both list it
        Assert.Equal(["/a", "/a/x", "/a/y"], await ListAsync(["/a", "/a/x"], recursive: false));
    }

    [Fact]
    public async Task SeveralDirectories_AndTheRoot()
    {
        Assert.Equal(["/a/y", "/a/y/z", "/c/d", "/c/d/e"], await ListAsync(["/a/y", "/c/d"], recursive: false));
        Assert.Equal(["/a", "/b", "/c"], await ListAsync(["/"], recursive: false));
    }

    [Fact]
    public async Task ADirectoryThatIsNotThere_ListsNothing()
    {
        Assert.Empty(await ListAsync(["/nowhere"], recursive: true));
        Assert.Empty(await ListAsync(["/a/x/deeper"], recursive: true));
    }

    [Fact]
    public void DirectoriesAreAbsoluteWithoutTrailingSlash()
    {
        var listing = new SnapshotListing(null!, ["srv/data/", "/", "/x"], recursive: false);
        Assert.Equal(["/srv/data", "/", "/x"], listing.Directories);
        Assert.True(listing.Lists("/srv/data"));
        Assert.True(listing.Lists("/srv/data/file"));
        Assert.False(listing.Lists("/srv/data/sub/file"));
        Assert.False(listing.Lists("/srv/database"));
    }
}
