using Lifeboat.Engine.Filtering;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// restic's find by name: every node of a snapshot whose full path matches one of the patterns (restic's filter
/// patterns, optionally case-insensitive) and whose mtime lies within [oldest, newest], in tree order. Directories
/// no pattern can reach below are skipped.
/// </summary>
public sealed class FindWalker(Repository.Repository repository, IReadOnlyList<string> patterns, bool ignoreCase, GoTime? oldest = null, GoTime? newest = null)
{
    private readonly List<PathPattern> _patterns = patterns.Select(p => new PathPattern(p, ignoreCase)).ToList();

    /// <summary>
    /// Walks one snapshot, reporting each match in order. A tree that cannot be loaded is reported with the ID of the
    /// tree that refers to it (restic names that one, so this does too) and skipped.
    /// </summary>
    public async Task FindAsync(Snapshot snapshot, Action<string, Node> onMatch, Action<Id> onUnreadableTree, CancellationToken cancellationToken)
    {
        Tree root;
        try { root = await repository.LoadTreeAsync(snapshot.Tree, cancellationToken).ConfigureAwait(false); }
        catch (Repository.RepositoryException) { onUnreadableTree(snapshot.Tree); return; }
        await WalkAsync(snapshot.Tree, root, "", onMatch, onUnreadableTree, cancellationToken).ConfigureAwait(false);
    }

    private async Task WalkAsync(Id treeId, Tree tree, string prefix, Action<string, Node> onMatch, Action<Id> onUnreadableTree, CancellationToken cancellationToken)
    {
        foreach (var node in tree.Nodes)
        {
            var path = prefix + "/" + node.Name;
            bool isDir = node.Type == NodeType.Dir;
            bool matched = _patterns.Any(p => p.Matches(path)) && InTimeRange(node.ModTime);
            // restic descends into a directory that matched, or one below which a pattern may still match
            bool descend = isDir && (matched || _patterns.Any(p => p.ChildMayMatch(path)));
            if (isDir && descend && node.Subtree is { } sub)
            {
                Tree subtree;
                try { subtree = await repository.LoadTreeAsync(sub, cancellationToken).ConfigureAwait(false); }
                catch (Repository.RepositoryException) { onUnreadableTree(treeId); continue; }
                if (matched) onMatch(path, node);
                await WalkAsync(sub, subtree, path, onMatch, onUnreadableTree, cancellationToken).ConfigureAwait(false);
            }
            else if (matched) onMatch(path, node);
        }
    }

    private bool InTimeRange(GoTime mtime) =>
        (oldest is not { } o || Instant.Compare(mtime, o) >= 0) && (newest is not { } n || Instant.Compare(mtime, n) <= 0);
}
