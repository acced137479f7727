using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Trees;

namespace Lifeboat.Engine.Maintenance;

/// <summary>The points between prune's steps; a test hook may stop the run at any of them.</summary>
public enum PruneStep
{
    Planned,
    UnreferencedPackDeleted,
    BlobRepacked,
    RepackFlushed,
    IndexWritten,
    OldIndexDeleted,
    PackDeleted,
}

/// <summary>
/// restic 0.14's prune: find the blobs every snapshot uses, classify packs as used, partly used or unused,
/// choose partly used packs to repack within --max-unused and --max-repack-size, then write the new packs and
/// the new index first, delete the old index files next and the obsolete packs last, so that a crash at any
/// point leaves a repository whose index references only packs that exist.
/// The caller holds an exclusive lock.
/// </summary>
public sealed class Pruner(Repository.Repository repository, PruneOptions options, Action<string>? log = null)
{
    /// <summary>For crash tests: called at each step boundary; an exception there stops the prune on the spot.</summary>
    public Func<PruneStep, Task>? Checkpoint { get; init; }

    private void Log(string line) => log?.Invoke(line);

    private async Task CheckpointAsync(PruneStep step)
    {
        if (Checkpoint is not null) await Checkpoint(step).ConfigureAwait(false);
    }

    /// <summary>Every blob reachable from the snapshots' trees.</summary>
    public async Task<HashSet<(BlobType Type, Id Id)>> FindUsedBlobsAsync(IReadOnlyList<Snapshot> snapshots, CancellationToken cancellationToken)
    {
        foreach (var s in snapshots)
            if (s.Tree.IsZero) throw new RepositoryException(RepositoryErrorKind.Damaged, $"snapshot {s.Id.ToShortString()} has no tree");
        var used = new HashSet<(BlobType, Id)>();
        var walker = new TreeWalker(repository);
        var visitor = new UsedBlobsVisitor(used);
        // each tree once: a tree already used is neither loaded nor walked again
        foreach (var s in snapshots)
            if (used.Add((BlobType.Tree, s.Tree))) await walker.WalkAsync(s.Tree, visitor, cancellationToken).ConfigureAwait(false);
        return used;
    }

    private sealed class UsedBlobsVisitor(HashSet<(BlobType, Id)> used) : ITreeVisitor
    {
        public bool ShouldEnter(in TreeWalkEntry directory) => used.Add((BlobType.Tree, directory.Node.Subtree!.Value));

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            if (entry.Node.Content is { } content)
                foreach (var blob in content) used.Add((BlobType.Data, blob));
            entry.ThrowIfUnreadable();
            return ValueTask.FromResult(TreeWalkAction.Continue);
        }
    }

    private sealed class PackInfo
    {
        public BlobType? Type;
        public bool Mixed, Uncompressed;
        public long UsedSize, UnusedSize;
        public int UsedBlobs, UnusedBlobs, DuplicateBlobs;
    }

    /// <summary>Decides, without changing anything, what to delete and what to repack.</summary>
    public async Task<PrunePlan> PlanAsync(CancellationToken cancellationToken)
    {
        var plan = new PrunePlan();
        var stats = plan.Statistics;
        var snapshots = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        Log($"finding data that is still in use for {snapshots.Count} snapshots");
        var usedBlobs = await FindUsedBlobsAsync(snapshots, cancellationToken).ConfigureAwait(false);

        Log("searching used packs...");
        var entries = repository.Index.All().ToList();
        var keepBlobs = new HashSet<(BlobType, Id)>();
        var duplicates = new Dictionary<(BlobType, Id), int>();
        var remainingUsed = new HashSet<(BlobType, Id)>(usedBlobs);
        foreach (var (_, blob) in entries)
        {
            var handle = (blob.Type, blob.Id);
            if (remainingUsed.Remove(handle))
            {
                keepBlobs.Add(handle);
                stats.UsedBytes += blob.Length;
                stats.UsedBlobs++;
            }
            else if (keepBlobs.Contains(handle))
            {
                duplicates[handle] = duplicates.TryGetValue(handle, out int n) ? n + 1 : 2;
                stats.DuplicateBytes += blob.Length;
                stats.DuplicateBlobs++;
            }
            else
            {
                stats.UnusedBytes += blob.Length;
                stats.UnusedBlobs++;
            }
        }
        if (remainingUsed.Count > 0)
            throw new RepositoryException(RepositoryErrorKind.Damaged,
                $"{remainingUsed.Count} blobs used by snapshots are not in the index (for example {remainingUsed.First().Item2}): the index is not complete, run rebuild-index first");

        Log("collecting packs for deletion and repacking");
        var packs = new Dictionary<Id, PackInfo>();
        foreach (var (packId, blob) in entries)
        {
            if (!packs.TryGetValue(packId, out var info)) packs[packId] = info = new PackInfo { UsedSize = PackHeaderOverhead };
            info.UsedSize += PackHeader.EntrySize(blob);
            if (info.Type is null) info.Type = blob.Type;
            else if (info.Type != blob.Type) info.Mixed = true;
            var handle = (blob.Type, blob.Id);
            if (duplicates.ContainsKey(handle)) info.DuplicateBlobs++;
            else if (keepBlobs.Contains(handle)) { info.UsedSize += blob.Length; info.UsedBlobs++; }
            else { info.UnusedSize += blob.Length; info.UnusedBlobs++; }
            if (!blob.IsCompressed) info.Uncompressed = true;
        }
        // One copy of each duplicated blob counts as used: preferably in a pack that is used anyway.
        if (duplicates.Count > 0)
        {
            foreach (var (packId, blob) in entries)
            {
                var handle = (blob.Type, blob.Id);
                if (!duplicates.TryGetValue(handle, out int count)) continue;
                var info = packs[packId];
                if (count == 0) { info.UnusedSize += blob.Length; info.UnusedBlobs++; }
                else if (info.UsedBlobs > 0 || count == 1)
                {
                    info.UsedSize += blob.Length;
                    info.UsedBlobs++;
                    duplicates[handle] = 0;
                }
                else
                {
                    info.UnusedSize += blob.Length;
                    info.UnusedBlobs++;
                    duplicates[handle] = count - 1;
                }
            }
        }

        var keptPacks = new HashSet<Id>();
        var candidates = new List<(Id Id, PackInfo Info, bool MustCompress)>();
        await foreach (var file in repository.ListFilesAsync(FileType.Pack, cancellationToken).ConfigureAwait(false))
        {
            if (!Id.TryParse(file.Name, out var packId)) continue;
            if (!packs.Remove(packId, out var info))
            {
                plan.UnreferencedPacks.Add(packId);
                stats.UnreferencedBytes += file.Size;
                continue;
            }
            if (info.UsedSize + info.UnusedSize != file.Size && info.UsedBlobs != 0)
                throw new RepositoryException(RepositoryErrorKind.Damaged,
                    $"pack {packId.ToShortString()}: calculated size {info.UsedSize + info.UnusedSize} does not match real size {file.Size}: run rebuild-index");

            if (info.UsedBlobs == 0 && info.DuplicateBlobs == 0) stats.UnusedPacks++;
            else if (info.UnusedBlobs == 0 && info.DuplicateBlobs == 0) stats.UsedPacks++;
            else stats.PartlyUsedPacks++;

            bool mustCompress = repository.Version >= 2 && (info.Type == BlobType.Tree || options.RepackUncompressed) && info.Uncompressed;
            if (info.UsedBlobs == 0 && info.DuplicateBlobs == 0)
            {
                plan.RemovePacks.Add(packId);
                stats.RemoveBlobs += info.UnusedBlobs;
                stats.RemoveBytes += info.UnusedSize;
            }
            else if (options.RepackCacheableOnly && info.Type == BlobType.Data && !info.Mixed)
            {
                keptPacks.Add(packId);
                stats.KeepPacks++;
            }
            else if (info.UnusedBlobs == 0 && info.DuplicateBlobs == 0 && !info.Mixed && !mustCompress)
            {
                keptPacks.Add(packId);
                stats.KeepPacks++;
            }
            else candidates.Add((packId, info, mustCompress));
        }

        // What is left in the table is indexed but missing: harmless when nothing in it is needed.
        foreach (var (packId, info) in packs)
        {
            if (info.UsedBlobs != 0)
                throw new RepositoryException(RepositoryErrorKind.Damaged,
                    $"the index references {packs.Count(p => p.Value.UsedBlobs != 0)} needed pack files which are missing from the repository, for example {packId}: run rebuild-index");
            plan.MissingUnneededPacks.Add(packId);
            stats.RemoveBlobs += info.UnusedBlobs;
            stats.RemoveBytes += info.UnusedSize;
            Log($"will forget missing pack file {packId}");
        }

        long maxUnusedAfter = options.MaxUnusedBytes(stats.UsedBytes);
        // Packs with duplicates first, then tree packs, then by the share of unused space, largest first.
        candidates.Sort((a, b) =>
        {
            var pi = a.Info; var pj = b.Info;
            if (pi.DuplicateBlobs > 0 && pj.DuplicateBlobs == 0) return -1;
            if (pj.DuplicateBlobs > 0 && pi.DuplicateBlobs == 0) return 1;
            bool iData = pi.Type == BlobType.Data && !pi.Mixed, jData = pj.Type == BlobType.Data && !pj.Mixed;
            if (!iData && jData) return -1;
            if (!jData && iData) return 1;
            return ((decimal)pj.UnusedSize * pi.UsedSize).CompareTo((decimal)pi.UnusedSize * pj.UsedSize);
        });
        foreach (var (packId, info, mustCompress) in candidates)
        {
            bool reachedUnused = stats.UnusedBytes - stats.RemoveBytes - stats.RepackRemovedBytes < maxUnusedAfter;
            bool reachedRepackSize = stats.RepackBytes + info.UnusedSize + info.UsedSize >= options.MaxRepackBytes;
            bool isData = info.Type == BlobType.Data && !info.Mixed;
            bool repack = !reachedRepackSize && (!isData || mustCompress || !reachedUnused);
            if (!repack)
            {
                keptPacks.Add(packId);
                stats.KeepPacks++;
                continue;
            }
            plan.RepackPacks.Add(packId);
            stats.RepackBlobs += info.UnusedBlobs + info.DuplicateBlobs + info.UsedBlobs;
            stats.RepackBytes += info.UnusedSize + info.UsedSize;
            stats.RepackRemovedBlobs += info.UnusedBlobs;
            stats.RepackRemovedBytes += info.UnusedSize;
        }

        // A used blob needs copying only when no pack that stays holds it.
        var survivingBlobs = new HashSet<(BlobType, Id)>();
        foreach (var (packId, blob) in entries)
            if (keptPacks.Contains(packId)) survivingBlobs.Add((blob.Type, blob.Id));
        foreach (var (packId, blob) in entries)
        {
            var handle = (blob.Type, blob.Id);
            if (plan.RepackPacks.Contains(packId) && keepBlobs.Contains(handle) && !survivingBlobs.Contains(handle)) plan.BlobsToRepack.Add(handle);
        }
        return plan;
    }

    private const long PackHeaderOverhead = Crypto.CryptoKey.Overhead + 4;

    /// <summary>Carries out a plan: new packs and index first, then the old index files, then the obsolete packs.</summary>
    public async Task ExecuteAsync(PrunePlan plan, CancellationToken cancellationToken)
    {
        if (options.DryRun || plan.NothingToDo) return;
        await CheckpointAsync(PruneStep.Planned).ConfigureAwait(false);

        // Packs no index mentions hold nothing any reader can find; with the exclusive lock no backup is adding them.
        if (plan.UnreferencedPacks.Count > 0) Log("deleting unreferenced packs");
        foreach (var packId in plan.UnreferencedPacks)
        {
            await repository.DeleteFileAsync(FileType.Pack, packId, cancellationToken).ConfigureAwait(false);
            await CheckpointAsync(PruneStep.UnreferencedPackDeleted).ConfigureAwait(false);
        }

        var newIndexFiles = new List<Id>();
        var newPacks = new List<(Id PackId, List<PackedBlob> Blobs)>();
        if (plan.RepackPacks.Count > 0)
        {
            Log("repacking packs");
            await using var target = repository.CreateRepackTarget();
            // Copy in pack order so the new packs keep related blobs together.
            foreach (var (packId, blob) in repository.Index.All().Where(e => plan.RepackPacks.Contains(e.PackId)).OrderBy(e => e.PackId).ThenBy(e => e.Blob.Offset))
            {
                if (!plan.BlobsToRepack.Contains((blob.Type, blob.Id)) || target.Index.Has(blob.Type, blob.Id)) continue;
                var plaintext = await repository.LoadBlobAsync(blob.Type, blob.Id, cancellationToken).ConfigureAwait(false);
                await target.SaveBlobAsync(blob.Type, blob.Id, plaintext, cancellationToken).ConfigureAwait(false);
                await CheckpointAsync(PruneStep.BlobRepacked).ConfigureAwait(false);
            }
            await target.FlushAsync(cancellationToken).ConfigureAwait(false);
            newIndexFiles.AddRange(target.IndexFiles);
            newPacks.AddRange(target.Index.All().GroupBy(e => e.PackId).Select(g => (g.Key, g.Select(e => e.Blob).OrderBy(b => b.Offset).ToList())));
            await CheckpointAsync(PruneStep.RepackFlushed).ConfigureAwait(false);
        }

        var obsoletePacks = new HashSet<Id>(plan.RemovePacks);
        obsoletePacks.UnionWith(plan.RepackPacks);
        if (obsoletePacks.Count > 0 || plan.MissingUnneededPacks.Count > 0)
        {
            Log("rebuilding index");
            var supersedes = repository.IndexFiles.Concat(newIndexFiles).Distinct().ToList();
            var remainingPacks = repository.Index.All()
                .Where(e => !obsoletePacks.Contains(e.PackId) && !plan.MissingUnneededPacks.Contains(e.PackId))
                .GroupBy(e => e.PackId)
                .Select(g => (g.Key, g.Select(e => e.Blob).OrderBy(b => b.Offset).ToList()))
                .Concat(newPacks);
            var written = await repository.SaveIndexFilesAsync(remainingPacks, supersedes, cancellationToken).ConfigureAwait(false);
            await CheckpointAsync(PruneStep.IndexWritten).ConfigureAwait(false);

            Log("deleting obsolete index files");
            foreach (var id in supersedes.Where(id => !written.Contains(id)))
            {
                await repository.DeleteFileAsync(FileType.Index, id, cancellationToken).ConfigureAwait(false);
                await CheckpointAsync(PruneStep.OldIndexDeleted).ConfigureAwait(false);
            }
            repository.ReplaceIndexFiles(written);
        }

        if (obsoletePacks.Count > 0) Log($"removing {obsoletePacks.Count} old packs");
        foreach (var packId in obsoletePacks)
        {
            await repository.DeleteFileAsync(FileType.Pack, packId, cancellationToken).ConfigureAwait(false);
            await CheckpointAsync(PruneStep.PackDeleted).ConfigureAwait(false);
        }
        Log("done");
    }
}
