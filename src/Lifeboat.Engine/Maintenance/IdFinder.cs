using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// restic 0.14's find --blob, --tree and --pack: which files hold given data blobs and which directories are given
/// trees. An ID pattern is a full ID or its 8-character short form (restic matches no other prefix length); a short
/// blob ID, once found, is replaced by the full one, as restic does (so --show-pack-id can look it up).
/// </summary>
public sealed class IdFinder(Repository.Repository repository)
{
    /// <summary>The data blob patterns, or null when not searching for blobs.</summary>
    public HashSet<string>? BlobIds { get; set; }

    /// <summary>The tree patterns, or null when not searching for trees.</summary>
    public HashSet<string>? TreeIds { get; set; }

    // restic counts tree hits over all snapshots and stops walking a snapshot at the hit that reaches the number of
    // tree patterns (only when no blobs are sought); later snapshots then stop at their first hit.
    private int _treesFound;

    /// <summary>
    /// Adds every blob of the packs named by <paramref name="packPatterns"/> to <see cref="BlobIds"/>: from each pack's
    /// header, else (pack file missing) from the index. Returns the packs taken from the index and the patterns that
    /// named no pack at all.
    /// </summary>
    public async Task<(List<Id> FromIndex, List<string> NotFound)> AddPackBlobsAsync(IEnumerable<string> packPatterns, CancellationToken cancellationToken)
    {
        BlobIds ??= [];
        var wanted = new HashSet<string>(packPatterns, StringComparer.Ordinal);
        await foreach (var file in repository.ListFilesAsync(FileType.Pack, cancellationToken).ConfigureAwait(false))
        {
            if (wanted.Count == 0) break;
            if (!Id.TryParse(file.Name, out var packId)) continue;
            if (!wanted.Remove(file.Name) && !wanted.Remove(packId.ToShortString())) continue;
            foreach (var blob in await repository.ReadPackHeaderAsync(packId, file.Size, cancellationToken).ConfigureAwait(false))
                BlobIds.Add(blob.Id.ToString());
        }

        var fromIndex = new List<Id>();
        if (wanted.Count > 0)
        {
            foreach (var (packId, blob) in repository.Index.All())
            {
                var full = packId.ToString();
                if (!wanted.Contains(full))
                {
                    if (!wanted.Remove(packId.ToShortString())) continue;
                    wanted.Add(full);
                }
                BlobIds.Add(blob.Id.ToString());
                if (!fromIndex.Contains(packId)) fromIndex.Add(packId);
            }
            foreach (var id in fromIndex) wanted.Remove(id.ToString());
        }
        return (fromIndex, wanted.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>Walks one snapshot; a tree that cannot be loaded is reported with the ID of the tree that refers to it, and skipped.</summary>
    public async Task FindAsync(Snapshot snapshot, Action<IdMatch> onMatch, Action<Id> onUnreadableTree, CancellationToken cancellationToken)
    {
        Tree root;
        try { root = await repository.LoadTreeAsync(snapshot.Tree, cancellationToken).ConfigureAwait(false); }
        catch (RepositoryException) { onUnreadableTree(snapshot.Tree); return; }
        await WalkAsync(snapshot, snapshot.Tree, root, "", onMatch, onUnreadableTree, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>False when the walk of this snapshot is to stop.</summary>
    private async Task<bool> WalkAsync(Snapshot snapshot, Id treeId, Tree tree, string prefix, Action<IdMatch> onMatch, Action<Id> onUnreadableTree, CancellationToken cancellationToken)
    {
        foreach (var node in tree.Nodes)
        {
            var path = prefix + "/" + node.Name;
            if (node.Type == NodeType.Dir && node.Subtree is { } sub)
            {
                Tree subtree;
                try { subtree = await repository.LoadTreeAsync(sub, cancellationToken).ConfigureAwait(false); }
                catch (RepositoryException) { onUnreadableTree(treeId); continue; }
                if (TreeIds is { } trees && (trees.Contains(sub.ToShortString()) || trees.Contains(sub.ToString())))
                {
                    onMatch(new IdMatch(BlobType.Tree, sub, path, default, snapshot));
                    if (++_treesFound >= trees.Count && BlobIds is null) return false;
                }
                if (!await WalkAsync(snapshot, sub, subtree, path, onMatch, onUnreadableTree, cancellationToken).ConfigureAwait(false)) return false;
            }
            else if (node.Type == NodeType.File && BlobIds is { } blobs && node.Content is { } content)
            {
                foreach (var id in content)
                {
                    var full = id.ToString();
                    if (!blobs.Contains(full))
                    {
                        if (!blobs.Remove(id.ToShortString())) continue;
                        blobs.Add(full);
                    }
                    onMatch(new IdMatch(BlobType.Data, id, path, treeId, snapshot));
                }
            }
        }
        return true;
    }
}
