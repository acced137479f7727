using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// restic's rewrite: a snapshot's trees stored again without the items a filter drops. Only a tree that changed is
/// stored (an untouched subtree keeps its ID and costs nothing); what is rewritten once at a path is remembered, so a
/// run over many snapshots of the same source does each shared subtree once. Callers flush the repository before
/// saving a snapshot that names the new trees. Repair uses it too: nodes are changed rather than dropped, and a tree
/// that cannot be loaded is replaced.
/// </summary>
public sealed class TreeRewriter
{
    private readonly Repository.Repository _repository;
    private readonly RewriteNode _rewrite;
    private readonly Func<string, bool>? _keepEmptyDirectory;
    private readonly Func<string, Exception, Task<Id?>>? _replaceFailedTree;
    private readonly Dictionary<(string Path, Id Tree), Result> _done = [];

    /// <param name="keep">Whether the node at this location ("/dir/file") stays; a dropped directory goes with its subtree.</param>
    /// <param name="keepEmptyDirectory">
    /// Null: a directory left empty stays (rewrite with excludes). Otherwise one left empty goes unless this says
    /// keep (rewrite with includes: the directories matched themselves); the root left empty gives no tree at all.
    /// </param>
    public TreeRewriter(Repository.Repository repository, Func<Node, string, bool> keep, Func<string, bool>? keepEmptyDirectory = null)
        : this(repository, (Node node, string path, ref bool changed) => keep(node, path) ? node : null, keepEmptyDirectory)
    {
    }

    /// <summary>The node as it is to be stored, null to drop it; <paramref name="changed"/> set when it was changed in place.</summary>
    public delegate Node? RewriteNode(Node node, string path, ref bool changed);

    /// <param name="replaceFailedTree">
    /// For a directory whose tree cannot be loaded (at "/dir", or "" for the root): the tree to name instead, or null
    /// to drop the directory (the whole result, for the root). Without it the load error is thrown.
    /// </param>
    public TreeRewriter(Repository.Repository repository, RewriteNode rewrite, Func<string, bool>? keepEmptyDirectory = null,
        Func<string, Exception, Task<Id?>>? replaceFailedTree = null)
    {
        _repository = repository;
        _rewrite = rewrite;
        _keepEmptyDirectory = keepEmptyDirectory;
        _replaceFailedTree = replaceFailedTree;
    }

    /// <summary>Store nothing: the new trees' IDs are computed only (a dry run).</summary>
    public bool DryRun { get; init; }

    /// <summary>The rewritten tree (null: nothing left), and the files in it with their size, for the snapshot's summary.</summary>
    public readonly record struct Result(Id? Tree, ulong Files, ulong Bytes);

    public Task<Result> RewriteAsync(Id rootTree, CancellationToken cancellationToken) => RewriteAsync("", rootTree, cancellationToken);

    private async Task<Result> RewriteAsync(string location, Id treeId, CancellationToken cancellationToken)
    {
        if (_done.TryGetValue((location, treeId), out var known)) return known;
        Tree tree;
        try
        {
            tree = await _repository.LoadTreeAsync(treeId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (_replaceFailedTree is not null && e is Repository.RepositoryException or IOException)
        {
            return _done[(location, treeId)] = new Result(await _replaceFailedTree(location, e).ConfigureAwait(false), 0, 0);
        }
        var nodes = new List<Node>(tree.Nodes.Count);
        bool changed = false;
        ulong files = 0, bytes = 0;
        foreach (var original in tree.Nodes)
        {
            var path = location + "/" + original.Name;
            if (_rewrite(original, path, ref changed) is not { } node)
            {
                changed = true;
                continue;
            }
            if (node.Type == NodeType.Dir && node.Subtree is { } subtree)
            {
                var inner = await RewriteAsync(path, subtree, cancellationToken).ConfigureAwait(false);
                if (inner.Tree is not { } newSubtree)
                {
                    changed = true;
                    continue;
                }
                files += inner.Files;
                bytes += inner.Bytes;
                if (newSubtree != subtree)
                {
                    node.Subtree = newSubtree;
                    changed = true;
                }
            }
            else if (node.Type == NodeType.File)
            {
                files++;
                bytes += node.Size;
            }
            nodes.Add(node);
        }
        Result result;
        if (nodes.Count == 0 && _keepEmptyDirectory is not null && (location.Length == 0 || !_keepEmptyDirectory(location)))
            result = new Result(null, 0, 0);
        else if (!changed)
            result = new Result(treeId, files, bytes);
        else
            result = new Result(await SaveAsync(new Tree(nodes), cancellationToken).ConfigureAwait(false), files, bytes);
        _done[(location, treeId)] = result;
        return result;
    }

    /// <summary>Stores a tree (unless <see cref="DryRun"/>) and gives its ID.</summary>
    public async Task<Id> SaveAsync(Tree tree, CancellationToken cancellationToken) =>
        DryRun ? Id.Hash(tree.ToJson()) : (await _repository.SaveTreeAsync(tree, cancellationToken).ConfigureAwait(false)).Id;
}
