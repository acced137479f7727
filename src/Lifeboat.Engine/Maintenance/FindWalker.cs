using Lifeboat.Engine.Filtering;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Trees;

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
        await new TreeWalker(repository).WalkAsync(snapshot.Tree, root, "", new Visitor(this, onMatch, onUnreadableTree), cancellationToken).ConfigureAwait(false);
    }

    private bool Matches(string path, Node node) => _patterns.Any(p => p.Matches(path)) && InTimeRange(node.ModTime);

    private bool InTimeRange(GoTime mtime) =>
        (oldest is not { } o || Instant.Compare(mtime, o) >= 0) && (newest is not { } n || Instant.Compare(mtime, n) <= 0);

    private sealed class Visitor(FindWalker find, Action<string, Node> onMatch, Action<Id> onUnreadableTree) : ITreeVisitor
    {
        // restic descends into a directory that matched, or one below which a pattern may still match
        public bool ShouldEnter(in TreeWalkEntry directory)
        {
            var path = directory.Path;
            return find.Matches(path, directory.Node) || find._patterns.Any(p => p.ChildMayMatch(path));
        }

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            // a directory whose tree cannot be loaded is not reported, only the tree that refers to it
            if (entry.LoadError is not null) onUnreadableTree(entry.ParentTree);
            else if (entry.Path is var path && find.Matches(path, entry.Node)) onMatch(path, entry.Node);
            return ValueTask.FromResult(TreeWalkAction.Continue);
        }
    }
}
