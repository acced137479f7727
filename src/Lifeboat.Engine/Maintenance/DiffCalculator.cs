using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Trees;

namespace Lifeboat.Engine.Maintenance;

/// <summary>Counts for one side of a diff (restic's DiffStat).</summary>
public sealed class DiffStat
{
    public int Files { get; set; }
    public int Dirs { get; set; }
    public int Others { get; set; }
    public int DataBlobs { get; set; }
    public int TreeBlobs { get; set; }
    public ulong Bytes { get; set; }

    internal void Add(Node? node)
    {
        if (node is null) return;
        if (node.Type == NodeType.File) Files++;
        else if (node.Type == NodeType.Dir) Dirs++;
        else Others++;
    }
}

/// <summary>One changed path: modifier "+", "-", "M", "T", "U" or combinations such as "TM".</summary>
public readonly record struct DiffChange(string Path, string Modifier);

/// <summary>
/// restic 0.14's diff: walks two snapshot trees side by side in name order, reporting added, removed, modified
/// (content), type-changed and (with metadata) updated entries, and counts the blobs only one side uses.
/// The side-by-side part pairs two trees' nodes by name, which a walk of one tree cannot do, so it loads both by
/// hand; what only one side has, and what both share, is walked with the tree walker.
/// </summary>
public sealed class DiffCalculator(Repository.Repository repository, bool showMetadata, Action<DiffChange> onChange)
{
    private readonly HashSet<(BlobType, Id)> _before = [];
    private readonly HashSet<(BlobType, Id)> _after = [];
    private readonly HashSet<(BlobType, Id)> _common = [];
    private readonly TreeWalker _walker = new(repository);

    public DiffStat Added { get; } = new();
    public DiffStat Removed { get; } = new();
    public int ChangedFiles { get; private set; }

    public async Task RunAsync(Snapshot first, Snapshot second, CancellationToken cancellationToken)
    {
        _before.Add((BlobType.Tree, first.Tree));
        _after.Add((BlobType.Tree, second.Tree));
        await DiffTreeAsync("/", first.Tree, second.Tree, cancellationToken).ConfigureAwait(false);
        var both = _before.Intersect(_after).ToHashSet();
        Count(_before.Where(b => !both.Contains(b) && !_common.Contains(b)), Removed);
        Count(_after.Where(b => !both.Contains(b) && !_common.Contains(b)), Added);
    }

    private void Count(IEnumerable<(BlobType Type, Id Id)> blobs, DiffStat stat)
    {
        foreach (var (type, id) in blobs)
        {
            if (type == BlobType.Data) stat.DataBlobs++;
            else stat.TreeBlobs++;
            // restic warns and goes on when a blob is missing from the index
            if (repository.Index.TryLookup(type, id, out var location)) stat.Bytes += StatsCalculator.PlaintextLength(location.Blob);
        }
    }

    private static void AddBlobs(HashSet<(BlobType, Id)> set, Node? node)
    {
        if (node is null) return;
        if (node.Type == NodeType.File) foreach (var b in node.Content ?? []) set.Add((BlobType.Data, b));
        else if (node.Type == NodeType.Dir && node.Subtree is { } sub) set.Add((BlobType.Tree, sub));
    }

    private static string Join(string prefix, string name) => prefix.EndsWith('/') ? prefix + name : prefix + "/" + name;

    // how many pairs of trees the comparison is inside: a crafted chain of trees deeper than a file system gives
    // would otherwise recurse until the stack ran out
    private int _depth;

    private async Task DiffTreeAsync(string prefix, Id id1, Id id2, CancellationToken cancellationToken)
    {
        if (_depth >= TreeWalk.MaxDepth)
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"trees {id1} and {id2} are damaged: directory {prefix} is more than {TreeWalk.MaxDepth} levels deep");
        _depth++;
        try
        {
            await DiffNodesAsync(prefix, id1, id2, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _depth--;
        }
    }

    private async Task DiffNodesAsync(string prefix, Id id1, Id id2, CancellationToken cancellationToken)
    {
        var tree1 = await repository.LoadTreeAsync(id1, cancellationToken).ConfigureAwait(false);
        var tree2 = await repository.LoadTreeAsync(id2, cancellationToken).ConfigureAwait(false);
        var nodes1 = new Dictionary<string, Node>(StringComparer.Ordinal);
        var nodes2 = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in tree1.Nodes) nodes1[n.Name] = n;
        foreach (var n in tree2.Nodes) nodes2[n.Name] = n;
        var names = nodes1.Keys.Union(nodes2.Keys).Order(StringComparer.Ordinal).ToList();
        foreach (var name in names)
        {
            nodes1.TryGetValue(name, out var node1);
            nodes2.TryGetValue(name, out var node2);
            AddBlobs(_before, node1);
            AddBlobs(_after, node2);
            if (node1 is not null && node2 is not null)
            {
                var path = Join(prefix, name);
                var modifier = "";
                if (node1.Type != node2.Type) modifier += "T";
                if (node2.Type == NodeType.Dir) path += "/";
                if (node1.Type == NodeType.File && node2.Type == NodeType.File && !(node1.Content ?? []).SequenceEqual(node2.Content ?? []))
                {
                    modifier += "M";
                    ChangedFiles++;
                    // restic 0.17's bitrot hint: new content, yet every other field (size, times, inode...) alike
                    if (SameButContent(node1, node2)) modifier += "?";
                }
                else if (showMetadata && !node1.ToJson().AsSpan().SequenceEqual(node2.ToJson()))
                {
                    modifier += "U";
                }
                if (modifier.Length > 0) onChange(new DiffChange(path, modifier));
                if (node1.Type == NodeType.Dir && node2.Type == NodeType.Dir && node1.Subtree is { } s1 && node2.Subtree is { } s2)
                {
                    if (s1 == s2) await CollectAsync(_common, s1, cancellationToken).ConfigureAwait(false);
                    else await DiffTreeAsync(path, s1, s2, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (node1 is not null)
            {
                await ReportAllAsync("-", Removed, _before, prefix, node1, cancellationToken).ConfigureAwait(false);
            }
            else if (node2 is not null)
            {
                await ReportAllAsync("+", Added, _after, prefix, node2, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool SameButContent(Node node1, Node node2)
    {
        var (content1, content2) = (node1.Content, node2.Content);
        node1.Content = node2.Content = null;
        try
        {
            return node1.ToJson().AsSpan().SequenceEqual(node2.ToJson());
        }
        finally
        {
            (node1.Content, node2.Content) = (content1, content2);
        }
    }

    /// <summary>A node only one side has, and (for a directory) everything below it.</summary>
    private async Task ReportAllAsync(string modifier, DiffStat stat, HashSet<(BlobType, Id)> blobs, string prefix, Node node, CancellationToken cancellationToken)
    {
        var path = Join(prefix, node.Name);
        Report(modifier, stat, blobs, path, node);
        if (node.Type == NodeType.Dir && node.Subtree is { } sub)
            await _walker.WalkAsync(sub, path, new ReportAllVisitor(this, modifier, stat, blobs), cancellationToken).ConfigureAwait(false);
    }

    private void Report(string modifier, DiffStat stat, HashSet<(BlobType, Id)> blobs, string path, Node node)
    {
        onChange(new DiffChange(node.Type == NodeType.Dir ? path + "/" : path, modifier));
        stat.Add(node);
        AddBlobs(blobs, node);
    }

    private sealed class ReportAllVisitor(DiffCalculator diff, string modifier, DiffStat stat, HashSet<(BlobType, Id)> blobs) : ITreeVisitor
    {
        public bool ShouldEnter(in TreeWalkEntry directory) => true;

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            diff.Report(modifier, stat, blobs, entry.Path, entry.Node);
            entry.ThrowIfUnreadable();
            return ValueTask.FromResult(TreeWalkAction.Continue);
        }
    }

    /// <summary>Every blob below a tree both sides share.</summary>
    private async Task CollectAsync(HashSet<(BlobType, Id)> set, Id treeId, CancellationToken cancellationToken) =>
        await _walker.WalkAsync(treeId, new CollectVisitor(set), cancellationToken).ConfigureAwait(false);

    private sealed class CollectVisitor(HashSet<(BlobType, Id)> set) : ITreeVisitor
    {
        // A subtree already in the set had its blobs collected when it was added: it is not loaded again.
        public bool ShouldEnter(in TreeWalkEntry directory) => !set.Contains((BlobType.Tree, directory.Node.Subtree!.Value));

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            AddBlobs(set, entry.Node);
            entry.ThrowIfUnreadable();
            return ValueTask.FromResult(TreeWalkAction.Continue);
        }
    }
}
