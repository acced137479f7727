using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// restic's repair snapshots (0.16): trees rewritten so that a snapshot names only what the repository holds. A file
/// loses the data blobs the index lacks (its size becomes what is left), a node of no valid type goes, a directory
/// whose tree cannot be loaded becomes an empty directory, and a snapshot whose root tree cannot be loaded is removed.
/// Run after `repair index` (and `repair packs`), so that the index says what is really there.
/// </summary>
public static class SnapshotRepair
{
    /// <param name="report">One line per repair made ("file \"/a\": removed missing content"), as restic prints them.</param>
    public static SnapshotRewriter Rewriter(Repository.Repository repository, bool dryRun, Action<string> report)
    {
        Id? emptyTree = null;
        TreeRewriter? trees = null;
        trees = new TreeRewriter(repository,
            (Node node, string path, ref bool changed) =>
            {
                if (node.Type.Length == 0 || node.Type == NodeType.Irregular)
                {
                    report($"file \"{path}\": removed node with invalid type \"{node.Type}\"");
                    return null;
                }
                if (node.Type != NodeType.File) return node;
                var content = node.Content ?? [];
                var kept = new List<Id>(content.Count);
                ulong size = 0;
                foreach (var id in content)
                {
                    if (!repository.Index.TryLookup(BlobType.Data, id, out var location)) continue;
                    kept.Add(id);
                    size += location.Blob.IsCompressed ? location.Blob.UncompressedLength : location.Blob.Length - Crypto.CryptoKey.Overhead;
                }
                if (kept.Count != content.Count) report($"file \"{path}\": removed missing content");
                else if (size != node.Size) report($"file \"{path}\": fixed incorrect size");
                else return node;
                node.Content = kept;
                node.Size = size;
                changed = true;
                return node;
            },
            replaceFailedTree: async (path, _) =>
            {
                if (path.Length == 0)
                {
                    report("dir \"/\": not readable");
                    return null;
                }
                report($"dir \"{path}\": replaced with empty directory");
                emptyTree ??= await trees!.SaveAsync(new Tree(), CancellationToken.None).ConfigureAwait(false);
                return emptyTree;
            }) { DryRun = dryRun };
        return new SnapshotRewriter(repository, trees) { Tag = SnapshotRewriter.RepairTag, UpdateSummary = false, RemoveWhenEmpty = true };
    }
}
