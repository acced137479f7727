using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Maintenance;

/// <summary>What copy did with one source snapshot.</summary>
public readonly record struct CopyOutcome(Snapshot Source, Snapshot? ExistingCopy, Id? NewId);

/// <summary>
/// restic 0.14's copy: snapshots not already in the destination (matched by their original ID and equal
/// content) are copied with the blobs the destination lacks, re-encrypted with its key but not re-chunked;
/// the blobs and their index are written before the snapshot, so an interrupted copy leaves no dangling snapshot.
/// </summary>
public sealed class CopyOperation(Repository.Repository source, Repository.Repository destination)
{
    private readonly HashSet<Id> _visitedTrees = [];

    /// <summary>Deduplication across the two repositories only works when they chunk alike.</summary>
    public bool SameChunker => source.Config.ChunkerPolynomial == destination.Config.ChunkerPolynomial;

    public async Task<List<CopyOutcome>> RunAsync(IReadOnlyList<Snapshot> snapshots, Action<CopyOutcome>? onStart, Action<CopyOutcome>? onDone,
        CancellationToken cancellationToken)
    {
        var byOriginal = new Dictionary<Id, List<Snapshot>>();
        foreach (var sn in await destination.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false))
        {
            var original = sn.Original ?? sn.Id;
            if (!byOriginal.TryGetValue(original, out var list)) byOriginal[original] = list = [];
            list.Add(sn);
        }
        var outcomes = new List<CopyOutcome>();
        foreach (var sn in snapshots)
        {
            var original = sn.Original ?? sn.Id;
            var existing = byOriginal.TryGetValue(original, out var candidates) ? candidates.FirstOrDefault(c => Similar(c, sn)) : null;
            if (existing is not null)
            {
                var skipped = new CopyOutcome(sn, existing, null);
                outcomes.Add(skipped);
                onDone?.Invoke(skipped);
                continue;
            }
            onStart?.Invoke(new CopyOutcome(sn, null, null));
            await CopyTreeAsync(sn.Tree, cancellationToken).ConfigureAwait(false);
            await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
            var copy = Snapshot.Parse(sn.ToJson());
            copy.Parent = null; // the parent means nothing in the destination
            copy.Original = original;
            var newId = await destination.SaveSnapshotAsync(copy, cancellationToken).ConfigureAwait(false);
            var done = new CopyOutcome(sn, null, newId);
            outcomes.Add(done);
            onDone?.Invoke(done);
        }
        return outcomes;
    }

    private async Task CopyTreeAsync(Id treeId, CancellationToken cancellationToken)
    {
        if (!_visitedTrees.Add(treeId)) return;
        var treeBytes = await source.LoadBlobAsync(BlobType.Tree, treeId, cancellationToken).ConfigureAwait(false);
        Tree tree;
        try { tree = Tree.Parse(treeBytes); }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"tree {treeId} cannot be decoded: {e.Message}");
        }
        foreach (var node in tree.Nodes)
        {
            if (node.Type == NodeType.File)
            {
                foreach (var blob in node.Content ?? [])
                {
                    if (destination.Index.Has(BlobType.Data, blob)) continue;
                    var data = await source.LoadBlobAsync(BlobType.Data, blob, cancellationToken).ConfigureAwait(false);
                    await destination.SaveBlobAsync(BlobType.Data, blob, data, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (node.Type == NodeType.Dir && node.Subtree is { } sub)
            {
                await CopyTreeAsync(sub, cancellationToken).ConfigureAwait(false);
            }
        }
        // The tree after its children, so that a tree in the destination always has what it references.
        if (!destination.Index.Has(BlobType.Tree, treeId))
            await destination.SaveBlobAsync(BlobType.Tree, treeId, treeBytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>restic's similarSnapshots: everything but parent and original must match.</summary>
    public static bool Similar(Snapshot a, Snapshot b)
    {
        if (a.Time.ToDateTimeOffset() != b.Time.ToDateTimeOffset() || a.Tree != b.Tree || a.Hostname != b.Hostname || a.Username != b.Username
            || a.Uid != b.Uid || a.Gid != b.Gid) return false;
        var pa = a.Paths ?? []; var pb = b.Paths ?? [];
        var ta = a.Tags ?? []; var tb = b.Tags ?? [];
        var ea = a.Excludes ?? []; var eb = b.Excludes ?? [];
        if (pa.Count != pb.Count || ta.Count != tb.Count || ea.Count != eb.Count) return false;
        if (!pb.All(p => pa.Contains(p, StringComparer.Ordinal)) || !tb.All(t => ta.Contains(t, StringComparer.Ordinal))) return false;
        return ea.SequenceEqual(eb, StringComparer.Ordinal);
    }
}
