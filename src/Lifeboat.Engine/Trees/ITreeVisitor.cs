namespace Lifeboat.Engine.Trees;

/// <summary>What a <see cref="TreeWalker"/> does at each node (restic's walker.WalkFunc, split in two).</summary>
public interface ITreeVisitor
{
    /// <summary>
    /// Whether the walk is to enter this directory (a "dir" node with a subtree). Asked when the directory's parent
    /// tree is reached, for each of its directories in order, before any node of that tree is visited, so that the
    /// walker can load the entered subtrees ahead. Pruning lives here, and so does a caller's "each tree once" rule:
    /// a directory not entered is never loaded.
    /// </summary>
    bool ShouldEnter(in TreeWalkEntry directory);

    /// <summary>
    /// Each node in depth-first order, a tree's nodes in their stored order (restic's, by name). A directory that was
    /// entered is visited once its subtree has loaded (or failed to: <see cref="TreeWalkEntry.LoadError"/>), and
    /// before anything inside it.
    /// </summary>
    ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken);
}
