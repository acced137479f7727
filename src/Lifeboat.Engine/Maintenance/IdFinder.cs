using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Trees;

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
        await new TreeWalker(repository).WalkAsync(snapshot.Tree, root, "", new Visitor(this, snapshot, onMatch, onUnreadableTree), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stop when the walk of this snapshot is to end.</summary>
    private TreeWalkAction Visit(in TreeWalkEntry entry, Snapshot snapshot, Action<IdMatch> onMatch, Action<Id> onUnreadableTree)
    {
        var node = entry.Node;
        if (node.Type == NodeType.Dir && node.Subtree is { } sub)
        {
            if (entry.LoadError is not null)
            {
                onUnreadableTree(entry.ParentTree);
                return TreeWalkAction.Continue;
            }
            if (TreeIds is { } trees && (trees.Contains(sub.ToShortString()) || trees.Contains(sub.ToString())))
            {
                onMatch(new IdMatch(BlobType.Tree, sub, entry.Path, default, snapshot));
                if (++_treesFound >= trees.Count && BlobIds is null) return TreeWalkAction.Stop;
            }
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
                onMatch(new IdMatch(BlobType.Data, id, entry.Path, entry.ParentTree, snapshot));
            }
        }
        return TreeWalkAction.Continue;
    }

    private sealed class Visitor(IdFinder finder, Snapshot snapshot, Action<IdMatch> onMatch, Action<Id> onUnreadableTree) : ITreeVisitor
    {
        public bool ShouldEnter(in TreeWalkEntry directory) => true;

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken) =>
            ValueTask.FromResult(finder.Visit(entry, snapshot, onMatch, onUnreadableTree));
    }
}
