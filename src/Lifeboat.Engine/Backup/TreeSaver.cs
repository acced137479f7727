using System.Diagnostics;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// Saves the trees of one run, each once its nodes are known (so bottom-up), and counts each directory as new,
/// changed or unmodified against the parent snapshot's tree of it.
/// </summary>
internal sealed class TreeSaver(BackupRun run, BlobSaver blobs)
{
    private readonly BackupStatistics _statistics = run.Statistics;

    /// <summary>
    /// Saves a directory's tree; <paramref name="parentSubtree"/> is the parent snapshot's tree of the same directory,
    /// <paramref name="parentTree"/> that tree when it was loaded.
    /// </summary>
    public async Task<Id> SaveAsync(Tree tree, Id? parentSubtree, Tree? parentTree)
    {
        long t0 = Stopwatch.GetTimestamp();
        try
        {
            // The nightly case: every node writes what the parent's (canonical) tree holds, so the tree would be the
            // same bytes, already stored. Skip writing and hashing it.
            if (parentSubtree is { } same && parentTree is { IsCanonical: true } && SameNodes(tree.Nodes, parentTree.Nodes))
            {
                Interlocked.Increment(ref _statistics.DirsUnmodified);
                return same;
            }
            return await SaveNewAsync(tree, parentSubtree).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _statistics.TreeTicks, Stopwatch.GetTimestamp() - t0);
        }
    }

    private static bool SameNodes(List<Node> nodes, List<Node> parentNodes)
    {
        if (nodes.Count != parentNodes.Count) return false;
        for (int i = 0; i < nodes.Count; i++)
            if (!Node.WritesSameJson(nodes[i], parentNodes[i])) return false;
        return true;
    }

    private async Task<Id> SaveNewAsync(Tree tree, Id? parentSubtree)
    {
        var json = tree.ToJson();
        var id = Id.Hash(json);
        if (parentSubtree is null) Interlocked.Increment(ref _statistics.DirsNew);
        else if (parentSubtree == id) Interlocked.Increment(ref _statistics.DirsUnmodified);
        else Interlocked.Increment(ref _statistics.DirsChanged);
        await blobs.SaveTreeAsync(id, json).ConfigureAwait(false);
        return id;
    }
}
