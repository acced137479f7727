using System.Collections.Concurrent;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Trees;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Trees;

/// <summary>The tree walker on an in-memory repository: order, paths, pruning, errors, stopping, loading ahead.</summary>
public class TreeWalkerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Counts pack reads (each tree is its own pack here) and how many run at once; may slow them down.</summary>
    private sealed class CountingBackend(IBackend inner, TimeSpan delay = default) : BackendDecorator(inner)
    {
        private int _running;
        public ConcurrentDictionary<string, int> Reads { get; } = new();
        public int MostAtOnce;

        public override async Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (type != FileType.Pack)
            {
                await base.ReadAsync(type, name, offset, destination, cancellationToken);
                return;
            }
            Reads.AddOrUpdate(name, 1, (_, n) => n + 1);
            int now = Interlocked.Increment(ref _running);
            InterlockedMax(ref MostAtOnce, now);
            try
            {
                if (delay > TimeSpan.Zero) await Task.Delay(delay, cancellationToken);
                await base.ReadAsync(type, name, offset, destination, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }
    }

    /// <summary>Records every visit; prunes and stops where told.</summary>
    private sealed class Recorder : ITreeVisitor
    {
        public List<string> Visited { get; } = [];
        public List<TreeWalkEntry> Entries { get; } = [];
        public Func<TreeWalkEntry, bool> Enter { get; init; } = _ => true;
        public Func<TreeWalkEntry, TreeWalkAction> Action { get; init; } = _ => TreeWalkAction.Continue;

        public bool ShouldEnter(in TreeWalkEntry directory) => Enter(directory);

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            Visited.Add(entry.Path);
            Entries.Add(entry);
            return ValueTask.FromResult(Action(entry));
        }
    }

    private static Node File(string name) => new() { Name = name, Type = NodeType.File, Content = [] };

    private static Node DirNode(string name, Id subtree) => new() { Name = name, Type = NodeType.Dir, Subtree = subtree };

    private static async Task<Node> Dir(Repo repo, string name, params Node[] children) =>
        DirNode(name, await SaveAsync(repo, children));

    private static async Task<Id> SaveAsync(Repo repo, params Node[] nodes) => (await repo.SaveTreeAsync(new Tree(nodes), Ct)).Id;

    /// <summary>A repository with one pack per blob (a pack size of 1 byte closes every pack at once).</summary>
    private static async Task<(Repo Repo, CountingBackend Backend)> MakeAsync(TimeSpan delay = default)
    {
        var backend = new CountingBackend(new MemoryBackend(), delay);
        var repo = await Repo.InitAsync(backend, "pw", 2, new RepositoryOptions { PackSize = 1 }, (1024, 8, 1), cancellationToken: Ct);
        return (repo, backend);
    }

    /// <summary>
    /// /a/{x, y/{z}}, /b, /c (empty); names given unsorted: the stored tree is sorted by name bytes ("B" before "a").
    /// </summary>
    private static async Task<Id> SampleAsync(Repo repo)
    {
        var a = await Dir(repo, "a", File("x"), await Dir(repo, "y", File("z")));
        var root = await SaveAsync(repo, File("b"), a, await Dir(repo, "c"), File("B"));
        await repo.FlushAsync(Ct);
        return root;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task VisitsDepthFirst_EachTreeInStoredOrder_WithEveryNodesPath(int parallelLoads)
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        var root = await SampleAsync(repo);
        var visitor = new Recorder();
        await new TreeWalker(repo, parallelLoads).WalkAsync(root, visitor, Ct);

        Assert.Equal(["/B", "/a", "/a/x", "/a/y", "/a/y/z", "/b", "/c"], visitor.Visited);
        var x = visitor.Entries.Single(e => e.Path == "/a/x");
        Assert.Equal("/a", x.ParentPath);
        Assert.Equal(visitor.Entries.Single(e => e.Path == "/a").Node.Subtree, x.ParentTree);
        Assert.Equal(root, visitor.Entries.Single(e => e.Path == "/a").ParentTree);
        Assert.All(visitor.Entries, e => Assert.Null(e.LoadError));
    }

    [Fact]
    public async Task PathsStartAtTheRootPathGiven()
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        var root = await SampleAsync(repo);
        var visitor = new Recorder();
        await new TreeWalker(repo).WalkAsync(root, await repo.LoadTreeAsync(root, Ct), "/srv/data", visitor, Ct);
        Assert.Equal(["/srv/data/B", "/srv/data/a", "/srv/data/a/x", "/srv/data/a/y", "/srv/data/a/y/z", "/srv/data/b", "/srv/data/c"], visitor.Visited);
    }

    [Fact]
    public async Task EveryEnteredTreeIsLoadedOnce_AndATreeNotEnteredNever()
    {
        var (repo, backend) = await MakeAsync();
        await using var _ = repo;
        var root = await SampleAsync(repo);
        var aTree = (await repo.LoadTreeAsync(root, Ct)).Find("a")!.Subtree!.Value;
        var yTree = (await repo.LoadTreeAsync(aTree, Ct)).Find("y")!.Subtree!.Value;
        backend.Reads.Clear();

        var visitor = new Recorder { Enter = d => d.Path != "/a/y" };
        await new TreeWalker(repo).WalkAsync(root, visitor, Ct);

        Assert.Equal(["/B", "/a", "/a/x", "/a/y", "/b", "/c"], visitor.Visited);
        Assert.Equal(3, backend.Reads.Count); // root, a, c
        Assert.All(backend.Reads.Values, n => Assert.Equal(1, n));
        Assert.True(repo.Index.TryLookup(BlobType.Tree, yTree, out var y));
        Assert.False(backend.Reads.ContainsKey(y.PackId.ToString()));
    }

    [Fact]
    public async Task ADirectoryNotEntered_IsVisited_AndItsMissingSubtreeIsNoError()
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        var missing = Id.Hash("no such tree"u8);
        var root = await SaveAsync(repo, DirNode("gone", missing), File("z"));
        await repo.FlushAsync(Ct);

        var visitor = new Recorder { Enter = d => d.Node.Name != "gone" };
        await new TreeWalker(repo).WalkAsync(root, visitor, Ct);
        Assert.Equal(["/gone", "/z"], visitor.Visited);
        Assert.All(visitor.Entries, e => Assert.Null(e.LoadError));
    }

    [Fact]
    public async Task SkipSubtree_LeavesOutWhatIsBelowTheDirectory()
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        var root = await SampleAsync(repo);
        var visitor = new Recorder { Action = e => e.Path == "/a" ? TreeWalkAction.SkipSubtree : TreeWalkAction.Continue };
        await new TreeWalker(repo).WalkAsync(root, visitor, Ct);
        Assert.Equal(["/B", "/a", "/b", "/c"], visitor.Visited);
    }

    [Fact]
    public async Task Stop_EndsTheWholeWalk()
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        var root = await SampleAsync(repo);
        var visitor = new Recorder { Action = e => e.Path == "/a/x" ? TreeWalkAction.Stop : TreeWalkAction.Continue };
        await new TreeWalker(repo).WalkAsync(root, visitor, Ct);
        Assert.Equal(["/B", "/a", "/a/x"], visitor.Visited);
    }

    [Fact]
    public async Task AnUnreadableSubtree_IsAnErrorOnItsDirectory_AndTheWalkGoesOn()
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        var missing = Id.Hash("no such tree"u8);
        var root = await SaveAsync(repo, File("a"), DirNode("lost", missing), await Dir(repo, "m", File("n")));
        await repo.FlushAsync(Ct);

        var visitor = new Recorder();
        await new TreeWalker(repo).WalkAsync(root, visitor, Ct);

        Assert.Equal(["/a", "/lost", "/m", "/m/n"], visitor.Visited);
        var lost = visitor.Entries.Single(e => e.Path == "/lost");
        var error = Assert.IsType<RepositoryException>(lost.LoadError);
        Assert.Contains(missing.ToString(), error.Message);
        Assert.Same(error, Assert.Throws<RepositoryException>(lost.ThrowIfUnreadable));
        Assert.Equal(root, lost.ParentTree);
        Assert.All(visitor.Entries.Where(e => e.Path != "/lost"), e => Assert.Null(e.LoadError));
    }

    [Fact]
    public async Task AnUnreadableRoot_Throws()
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        var visitor = new Recorder();
        await Assert.ThrowsAsync<RepositoryException>(() => new TreeWalker(repo).WalkAsync(Id.Hash("no root"u8), visitor, Ct));
        Assert.Empty(visitor.Visited);
    }

    [Fact]
    public async Task WhatTheVisitorThrows_EndsTheWalk_WithNoLoadLeftRunning()
    {
        var (repo, backend) = await MakeAsync(TimeSpan.FromMilliseconds(20));
        await using var _ = repo;
        var dirs = new List<Node>();
        for (int i = 0; i < 30; i++) dirs.Add(await Dir(repo, $"d{i:00}", File("f")));
        var root = await SaveAsync(repo, [.. dirs]);
        await repo.FlushAsync(Ct);

        var visitor = new Recorder { Action = e => e.Path == "/d01/f" ? throw new InvalidOperationException("visitor failed") : TreeWalkAction.Continue };
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => new TreeWalker(repo, 4).WalkAsync(root, visitor, Ct));
        Assert.Equal("visitor failed", thrown.Message);
        int readsAtReturn = backend.Reads.Values.Sum();
        await Task.Delay(100, Ct);
        Assert.Equal(readsAtReturn, backend.Reads.Values.Sum());
    }

    [Fact]
    public async Task Cancellation_StopsTheWalkAtTheNextNode()
    {
        var (repo, _) = await MakeAsync();
        await using var _ = repo;
        var root = await SampleAsync(repo);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var visitor = new Recorder
        {
            Action = e =>
            {
                if (e.Path == "/a") cancel.Cancel();
                return TreeWalkAction.Continue;
            },
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new TreeWalker(repo).WalkAsync(root, visitor, cancel.Token));
        Assert.Equal(["/B", "/a"], visitor.Visited);
    }

    [Fact]
    public async Task SubtreesAreLoadedAhead_InParallel_WithinTheBound()
    {
        var (repo, backend) = await MakeAsync(TimeSpan.FromMilliseconds(15));
        await using var _ = repo;
        var dirs = new List<Node>();
        for (int i = 0; i < 24; i++) dirs.Add(await Dir(repo, $"d{i:00}", File($"f{i}"), await Dir(repo, "sub", File($"g{i}")))); // each tree different
        var root = await SaveAsync(repo, [.. dirs]);
        await repo.FlushAsync(Ct);

        var visitor = new Recorder();
        await new TreeWalker(repo, 4).WalkAsync(root, visitor, Ct);

        Assert.Equal(24 * 4, visitor.Visited.Count);
        Assert.Equal(dirs.Select(d => "/" + d.Name), visitor.Visited.Where(p => p.Count(c => c == '/') == 1));
        Assert.InRange(backend.MostAtOnce, 2, 4);
        Assert.Equal(1 + 24 * 2, backend.Reads.Count);
        Assert.All(backend.Reads.Values, n => Assert.Equal(1, n));
    }
}
