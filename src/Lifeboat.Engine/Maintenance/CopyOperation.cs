using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Maintenance;

/// <summary>What copy did with one source snapshot.</summary>
public readonly record struct CopyOutcome(Snapshot Source, Snapshot? ExistingCopy, Id? NewId);

/// <summary>
/// restic's copy: snapshots not already in the destination (matched by their original ID and equal
/// content) are copied with the blobs the destination lacks, re-encrypted with its key but not re-chunked;
/// the blobs and their index are written before the snapshot, so an interrupted copy leaves no dangling snapshot.
/// As restic 0.19 does, snapshots are copied in batches that share their packs: a batch ends once it has copied
/// 100 packs' worth of blobs and run for a minute, then its packs and index are written and its snapshots saved,
/// so many small snapshots no longer leave two part-filled packs each.
/// </summary>
public sealed class CopyOperation(Repository.Repository source, Repository.Repository destination)
{
    private readonly HashSet<Id> _visitedTrees = [];

    /// <summary>A batch goes on until it has copied this many bytes (as stored in the destination)...</summary>
    public long BatchBytes { get; init; } = destination.Options.PackSize * 100;

    /// <summary>...and has run this long.</summary>
    public TimeSpan BatchDuration { get; init; } = TimeSpan.FromMinutes(1);

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
        var batch = new List<Snapshot>();
        long batchBytes = 0;
        var batchStarted = System.Diagnostics.Stopwatch.StartNew();
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
            if (batch.Count == 0) batchStarted.Restart();
            onStart?.Invoke(new CopyOutcome(sn, null, null));
            batchBytes += await CopyTreeAsync(sn.Tree, cancellationToken).ConfigureAwait(false);
            batch.Add(sn);
            if (batchBytes >= BatchBytes && batchStarted.Elapsed >= BatchDuration)
            {
                await SaveBatchAsync(batch, outcomes, onDone, cancellationToken).ConfigureAwait(false);
                batchBytes = 0;
            }
        }
        if (batch.Count > 0) await SaveBatchAsync(batch, outcomes, onDone, cancellationToken).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>Writes the batch's packs and index, then its snapshots, and starts the next batch.</summary>
    private async Task SaveBatchAsync(List<Snapshot> batch, List<CopyOutcome> outcomes, Action<CopyOutcome>? onDone, CancellationToken cancellationToken)
    {
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        foreach (var sn in batch)
        {
            var copy = Snapshot.Parse(sn.ToJson());
            copy.Parent = null; // the parent means nothing in the destination
            copy.Original = sn.Original ?? sn.Id;
            var newId = await destination.SaveSnapshotAsync(copy, cancellationToken).ConfigureAwait(false);
            var done = new CopyOutcome(sn, null, newId);
            outcomes.Add(done);
            onDone?.Invoke(done);
        }
        batch.Clear();
    }

    /// <summary>Copies a tree and what it references that the destination lacks; returns the bytes that stored.</summary>
    private async Task<long> CopyTreeAsync(Id treeId, CancellationToken cancellationToken)
    {
        if (!_visitedTrees.Add(treeId)) return 0;
        long stored = 0;
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
                    stored += await destination.SaveBlobStoredAsync(BlobType.Data, blob, data, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (node.Type == NodeType.Dir && node.Subtree is { } sub)
            {
                stored += await CopyTreeAsync(sub, cancellationToken).ConfigureAwait(false);
            }
        }
        // The tree after its children, so that a tree in the destination always has what it references.
        if (!destination.Index.Has(BlobType.Tree, treeId))
            stored += await destination.SaveBlobStoredAsync(BlobType.Tree, treeId, treeBytes, cancellationToken).ConfigureAwait(false);
        return stored;
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
