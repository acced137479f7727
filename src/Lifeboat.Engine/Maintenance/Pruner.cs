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

    /// <summary>Called each time the repacking is done with one of the plan's packs to repack (a progress line counts them).</summary>
    public Action? PackRepacked { get; init; }

    private void Log(string line) => log?.Invoke(line);

    private async Task CheckpointAsync(PruneStep step)
    {
        if (Checkpoint is not null) await Checkpoint(step).ConfigureAwait(false);
    }

    /// <summary>Every blob reachable from the snapshots' trees.</summary>
    internal async Task<UsedBlobs> FindUsedBlobsAsync(IReadOnlyList<Snapshot> snapshots, CancellationToken cancellationToken)
    {
        foreach (var s in snapshots)
            if (s.Tree.IsZero) throw new RepositoryException(RepositoryErrorKind.Damaged, $"snapshot {s.Id.ToShortString()} has no tree");
        var used = new UsedBlobs(repository.Index);
        var walker = new TreeWalker(repository);
        var visitor = new UsedBlobsVisitor(used);
        // each tree once: a tree already used is neither loaded nor walked again
        foreach (var s in snapshots)
            if (used.Add(BlobType.Tree, s.Tree)) await walker.WalkAsync(s.Tree, visitor, cancellationToken).ConfigureAwait(false);
        return used;
    }

    private sealed class UsedBlobsVisitor(UsedBlobs used) : ITreeVisitor
    {
        public bool ShouldEnter(in TreeWalkEntry directory) => used.Add(BlobType.Tree, directory.Node.Subtree!.Value);

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            if (entry.Node.Content is { } content)
                foreach (var blob in content) used.Add(BlobType.Data, blob);
            entry.ThrowIfUnreadable();
            return ValueTask.FromResult(TreeWalkAction.Continue);
        }
    }

    private sealed class PackInfo
    {
        public BlobType? Type;
        public bool Mixed, Uncompressed;
        /// <summary>Whether the pack holds a blob nothing uses (not a copy of a used one): a pack without is one an interrupted prune wrote.</summary>
        public bool HasUnusedBlobs;
        public long UsedSize, UnusedSize;
        public int UsedBlobs, UnusedBlobs, DuplicateBlobs;
    }

    /// <summary>
    /// Refuses options that cannot apply to a repository of format <paramref name="repositoryVersion"/> opened with
    /// <paramref name="repositoryOptions"/> (restic's rules, with its words): a Fatal <see cref="RepositoryException"/>.
    /// <see cref="PlanAsync"/> checks them first; a caller that changes the repository before pruning (forget --prune)
    /// checks them before it does.
    /// </summary>
    public static void CheckOptions(RepositoryOptions repositoryOptions, int repositoryVersion, PruneOptions options)
    {
        if (options.RepackUncompressed && repositoryOptions.Compression == CompressionMode.Off)
            throw new RepositoryException(RepositoryErrorKind.Fatal, "disabled compression and `--repack-uncompressed` are mutually exclusive");
        if (options.RepackUncompressed && repositoryVersion < 2)
            throw new RepositoryException(RepositoryErrorKind.Fatal, "compression requires at least repository format version 2");
        if (options.SmallPackBytes > repositoryOptions.PackSize)
            throw new RepositoryException(RepositoryErrorKind.Fatal,
                $"repack-smaller-than exceeds repository packsize: {options.SmallPackBytes} bytes is above the pack size of {repositoryOptions.PackSize} (--pack-size)");
    }

    /// <summary>
    /// Decides, without changing anything, what to delete and what to repack. The index is gone through by entry number
    /// (a blob is known by its first entry, see <see cref="MasterIndex.Find"/>) with per-blob state in bitmaps, as
    /// restic 0.17 does with its index-associated sets: the plan holds a few bits per blob beside the index, not
    /// copies of it and sets of IDs (about 300 bytes per blob before, 75 MB of a 205,000-blob plan).
    /// </summary>
    public async Task<PrunePlan> PlanAsync(CancellationToken cancellationToken)
    {
        CheckOptions(repository.Options, repository.Version, options);
        var plan = new PrunePlan();
        var stats = plan.Statistics;
        var snapshots = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        Log($"finding data that is still in use for {snapshots.Count} snapshots");
        var used = await FindUsedBlobsAsync(snapshots, cancellationToken).ConfigureAwait(false);

        Log("searching used packs...");
        var index = repository.Index;
        int entries = index.Count;
        var packIds = index.Packs;
        // The first entry of a blob that later entries (other packs) list again, and how many entries list it.
        var duplicates = new Dictionary<int, int>();
        int FirstEntry(int entry, PackedBlob blob) => used.ContainsFirstEntry(entry) ? entry : index.Find(blob.Type, blob.Id);
        for (int i = 0; i < entries; i++)
        {
            var (_, blob) = index.EntryAt(i);
            int first = FirstEntry(i, blob);
            if (first == i && used.ContainsFirstEntry(i))
            {
                stats.UsedBytes += blob.Length;
                stats.UsedBlobs++;
            }
            else if (used.ContainsFirstEntry(first))
            {
                duplicates[first] = duplicates.TryGetValue(first, out int n) ? n + 1 : 2;
                stats.DuplicateBytes += blob.Length;
                stats.DuplicateBlobs++;
            }
            else
            {
                stats.UnusedBytes += blob.Length;
                stats.UnusedBlobs++;
            }
        }
        if (used.Unindexed.Count > 0)
            throw new RepositoryException(RepositoryErrorKind.Damaged,
                $"{used.Unindexed.Count} blobs used by snapshots are not in the index (for example {used.Unindexed.First().Id}): the index is not complete, run rebuild-index first");

        Log("collecting packs for deletion and repacking");
        var packs = new Dictionary<Id, PackInfo>();
        var infos = new PackInfo?[packIds.Count];
        for (int i = 0; i < entries; i++)
        {
            var (pack, blob) = index.EntryAt(i);
            var info = infos[pack] ??= packs[packIds[pack]] = new PackInfo { UsedSize = PackHeaderOverhead };
            info.UsedSize += PackHeader.EntrySize(blob);
            if (info.Type is null) info.Type = blob.Type;
            else if (info.Type != blob.Type) info.Mixed = true;
            int first = FirstEntry(i, blob);
            if (duplicates.ContainsKey(first)) info.DuplicateBlobs++;
            else if (used.ContainsFirstEntry(first)) { info.UsedSize += blob.Length; info.UsedBlobs++; }
            else { info.UnusedSize += blob.Length; info.UnusedBlobs++; info.HasUnusedBlobs = true; }
            if (!blob.IsCompressed) info.Uncompressed = true;
        }
        // One copy of each duplicated blob counts as used: preferably in a pack that is used anyway, or (restic 0.17) in a
        // pack of nothing but used blobs and copies, as a prune writes them: an interrupted prune's new packs are kept,
        // and the next prune removes the packs they were copied from instead of repacking them again.
        if (duplicates.Count > 0)
        {
            for (int i = 0; i < entries; i++)
            {
                var (pack, blob) = index.EntryAt(i);
                int first = FirstEntry(i, blob);
                if (!duplicates.TryGetValue(first, out int count)) continue;
                var info = infos[pack]!;
                if (count == 0) { info.UnusedSize += blob.Length; info.UnusedBlobs++; }
                else if (info.UsedBlobs > 0 || !info.HasUnusedBlobs || count == 1)
                {
                    info.UsedSize += blob.Length;
                    info.UsedBlobs++;
                    duplicates[first] = 0;
                }
                else
                {
                    info.UnusedSize += blob.Length;
                    info.UnusedBlobs++;
                    duplicates[first] = count - 1;
                }
            }
        }

        var keptPacks = new HashSet<Id>();
        var candidates = new List<(Id Id, PackInfo Info, bool MustCompress)>();
        // restic 0.16/0.18: packs of used blobs only are repacked too when they are small (below 1/25 of the pack size,
        // 80% of it with --repack-small, or --repack-smaller-than), and only when there are at least 10 such
        var smallCandidates = new List<(Id Id, PackInfo Info, bool MustCompress)>();
        long packSize = repository.Options.PackSize;
        long smallPackSize = options.SmallPackBytes > 0 ? options.SmallPackBytes : options.RepackSmall ? packSize / 5 * 4 : packSize / 25;
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

            // restic 0.17: by what is used once each duplicate has its one used copy
            if (info.UsedBlobs == 0) stats.UnusedPacks++;
            else if (info.UnusedBlobs == 0) stats.UsedPacks++;
            else stats.PartlyUsedPacks++;

            bool mustCompress = repository.Version >= 2 && (info.Type == BlobType.Tree || options.RepackUncompressed) && info.Uncompressed;
            if (info.UsedBlobs == 0)
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
            else if (info.UnusedBlobs == 0 && !info.Mixed && !mustCompress)
            {
                if (file.Size < smallPackSize) smallCandidates.Add((packId, info, mustCompress));
                else
                {
                    keptPacks.Add(packId);
                    stats.KeepPacks++;
                }
            }
            else candidates.Add((packId, info, mustCompress));
        }
        // too few to be worth it, and a single small pack would otherwise be repacked by every prune
        if (smallCandidates.Count < 10)
            foreach (var (packId, _, _) in smallCandidates)
            {
                keptPacks.Add(packId);
                stats.KeepPacks++;
            }
        else candidates.AddRange(smallCandidates);

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
        bool IsSmall(PackInfo p) => p.UnusedSize + p.UsedSize < smallPackSize;
        // Packs with duplicates first, then tree packs, then small packs, then by the share of unused space, largest first.
        candidates.Sort((a, b) =>
        {
            var pi = a.Info; var pj = b.Info;
            if (pi.DuplicateBlobs > 0 && pj.DuplicateBlobs == 0) return -1;
            if (pj.DuplicateBlobs > 0 && pi.DuplicateBlobs == 0) return 1;
            bool iData = pi.Type == BlobType.Data && !pi.Mixed, jData = pj.Type == BlobType.Data && !pj.Mixed;
            if (!iData && jData) return -1;
            if (!jData && iData) return 1;
            if (IsSmall(pi) != IsSmall(pj)) return IsSmall(pi) ? -1 : 1;
            return ((decimal)pj.UnusedSize * pi.UsedSize).CompareTo((decimal)pi.UnusedSize * pj.UsedSize);
        });
        foreach (var (packId, info, mustCompress) in candidates)
        {
            bool reachedUnused = stats.UnusedBytes - stats.RemoveBytes - stats.RepackRemovedBytes < maxUnusedAfter;
            bool reachedRepackSize = stats.RepackBytes + info.UnusedSize + info.UsedSize >= options.MaxRepackBytes;
            bool isData = info.Type == BlobType.Data && !info.Mixed;
            // a small pack is repacked whatever --max-unused allows, as restic 0.16 does
            bool repack = !reachedRepackSize && (!isData || mustCompress || !reachedUnused || IsSmall(info));
            if (!repack)
            {
                keptPacks.Add(packId);
                stats.KeepPacks++;
                continue;
            }
            plan.RepackPacks.Add(packId);
            plan.RepackPackSizes[packId] = info.UsedSize + info.UnusedSize; // the listed size: checked equal above, as a used pack
            stats.RepackBlobs += info.UnusedBlobs + info.DuplicateBlobs + info.UsedBlobs;
            stats.RepackBytes += info.UnusedSize + info.UsedSize;
            stats.RepackRemovedBlobs += info.UnusedBlobs;
            stats.RepackRemovedBytes += info.UnusedSize;
        }

        // A used blob needs copying only when no pack that stays holds it.
        var surviving = new EntryBitmap(entries);
        for (int i = 0; i < entries; i++)
        {
            var (pack, blob) = index.EntryAt(i);
            if (keptPacks.Contains(packIds[pack])) surviving.Add(FirstEntry(i, blob));
        }
        for (int i = 0; i < entries; i++)
        {
            var (pack, blob) = index.EntryAt(i);
            if (!plan.RepackPacks.Contains(packIds[pack])) continue;
            int first = FirstEntry(i, blob);
            if (used.ContainsFirstEntry(first) && !surviving.Contains(first)) plan.BlobsToRepack.Add((blob.Type, blob.Id));
        }
        return plan;
    }

    private const long PackHeaderOverhead = Crypto.CryptoKey.Overhead + 4;

    /// <summary>A pack to repack's size from the plan's listing; -1 (as if missing: each blob is then loaded from wherever else the index has it) for a plan made without it.</summary>
    private static long RepackPackSize(PrunePlan plan, Id packId) => plan.RepackPackSizes.GetValueOrDefault(packId, -1);

    /// <summary>The index's entries as they are now, read one at a time (<see cref="MasterIndex.All"/> copies them all).</summary>
    private static IEnumerable<(Id PackId, PackedBlob Blob)> Entries(MasterIndex index)
    {
        var packIds = index.Packs;
        int entries = index.Count;
        for (int i = 0; i < entries; i++)
        {
            var (pack, blob) = index.EntryAt(i);
            yield return (packIds[pack], blob);
        }
    }

    /// <summary>
    /// The index's packs but the <paramref name="dropped"/> ones, in the order the index lists them, each with its blobs by
    /// offset, made one at a time as the index writer takes them: only entry numbers are held for the whole index.
    /// </summary>
    internal static IEnumerable<(Id PackId, List<PackedBlob> Blobs)> PacksExcept(MasterIndex index, Func<Id, bool> dropped)
    {
        var packIds = index.Packs;
        int entries = index.Count;
        var members = new List<int>?[packIds.Count];
        for (int i = 0; i < entries; i++)
        {
            var (pack, _) = index.EntryAt(i);
            if (!dropped(packIds[pack])) (members[pack] ??= []).Add(i);
        }
        for (int pack = 0; pack < members.Length; pack++)
        {
            if (members[pack] is not { } list) continue;
            members[pack] = null;
            yield return (packIds[pack], list.Select(e => index.EntryAt(e).Blob).OrderBy(b => b.Offset).ToList());
        }
    }

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
            // Copy in pack order so the new packs keep related blobs together. Each pack's blobs are read in a few large
            // reads, not one per blob (107,612 reads of a 100,000-file history were a third of the prune's CPU), verified,
            // and copied as they are stored: decrypting, decompressing and hashing is all a blob costs, not compressing
            // and encrypting it again (see Repository.SaveVerifiedBlobAsync for the ones encoded anew).
            var byPack = Entries(repository.Index).Where(e => plan.RepackPacks.Contains(e.PackId) && plan.BlobsToRepack.Contains((e.Blob.Type, e.Blob.Id)))
                .GroupBy(e => e.PackId, e => e.Blob).OrderBy(g => g.Key)
                .Select(g => new PackBlobs(g.Key, RepackPackSize(plan, g.Key), g.OrderBy(b => b.Offset).ToList())).ToList();
            int packsWithoutBlobs = plan.RepackPacks.Count - byPack.Count;
            for (int i = 0; i < packsWithoutBlobs; i++) PackRepacked?.Invoke();
            await repository.ReadVerifiedBlobsAsync(byPack, async blob =>
            {
                var (type, id) = (blob.Blob.Type, blob.Blob.Id);
                if (target.Index.Has(type, id)) return;
                if (blob.Error is null) await target.SaveVerifiedBlobAsync(blob, cancellationToken).ConfigureAwait(false);
                else
                {
                    // unreadable here: from wherever else the index has it, or the error that names it
                    var plaintext = await repository.LoadBlobAsync(type, id, cancellationToken).ConfigureAwait(false);
                    await target.SaveBlobAsync(type, id, plaintext, cancellationToken).ConfigureAwait(false);
                }
                await CheckpointAsync(PruneStep.BlobRepacked).ConfigureAwait(false);
            }, _ =>
            {
                PackRepacked?.Invoke();
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
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
            var remainingPacks = PacksExcept(repository.Index, p => obsoletePacks.Contains(p) || plan.MissingUnneededPacks.Contains(p))
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
