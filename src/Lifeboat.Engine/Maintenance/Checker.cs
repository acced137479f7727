using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Trees;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// restic 0.14's check, step by step (the caller runs the steps in order and may report between them):
/// load the indexes, compare packs with the index, walk every snapshot's trees, optionally find unused blobs,
/// optionally read packs whole. Problems go to the callback and to <see cref="Problems"/>; nothing is printed.
/// The repository must be opened without loading its index: the checker loads it, file by file.
/// </summary>
public sealed class Checker(Repository.Repository repository, Action<CheckProblem>? onProblem = null)
{
    private readonly Lock _lock = new();
    private readonly List<CheckProblem> _problems = [];
    // Each indexed pack's blobs as the (first) index file listing it gives them, for sizes and read-data.
    private readonly Dictionary<Id, PackBlobs> _packBlobs = [];
    // Which master index entries (by Find's number) the snapshots use: a bit per blob, where a set of IDs took
    // 50 bytes. Set at a tree's first sight, so it is also the walk's set of trees already queued.
    private ulong[]? _used;
    // What CheckPacksAsync's listing said of the indexed packs (null before it ran): those it lacks, and the sizes it gave
    // where they differ from the index's. Every other indexed pack has the size its index implies: read-data needs no Stat.
    private HashSet<Id>? _unlisted;
    private Dictionary<Id, long>? _listedSizes;

    /// <summary>
    /// A pack's blobs in offset order: nearly always a run of the master index's entries (adding appends a
    /// pack's blobs as listed, and packs are written front to back), so no second copy of every blob is kept;
    /// the parsed list only when the listing is out of order or names a blob twice.
    /// </summary>
    private readonly record struct PackBlobs(int First, int Count, List<PackedBlob>? List);

    public IReadOnlyList<CheckProblem> Problems { get { lock (_lock) return _problems.ToList(); } }
    public bool ErrorsFound { get { lock (_lock) return _problems.Any(p => p.IsError); } }

    /// <summary>Every indexed pack with its size as the index implies it (what read-data subsets choose from).</summary>
    public IReadOnlyDictionary<Id, long> IndexedPacks => _packBlobs.ToDictionary(p => p.Key, p => PackSize(p.Value));

    /// <summary>
    /// After the structure check: the indexed packs holding a blob the checked snapshots use (the entry a restore would
    /// read), with their sizes. What read-data chooses from when snapshots are selected.
    /// </summary>
    public IReadOnlyDictionary<Id, long> UsedPacks()
    {
        var packIds = repository.Index.Packs;
        var used = new HashSet<Id>();
        for (int word = 0; _used is not null && word < _used.Length; word++)
            for (ulong bits = _used[word]; bits != 0; bits &= bits - 1)
                used.Add(packIds[repository.Index.EntryAt((word << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits)).Pack]);
        return _packBlobs.Where(p => used.Contains(p.Key)).ToDictionary(p => p.Key, p => PackSize(p.Value));
    }

    private List<PackedBlob> BlobsOf(PackBlobs pack) => pack.List ?? IndexRun(pack).ToList();

    private long PackSize(PackBlobs pack) => PackHeader.PackSize(pack.List ?? IndexRun(pack));

    private IEnumerable<PackedBlob> IndexRun(PackBlobs pack)
    {
        for (int i = 0; i < pack.Count; i++) yield return repository.Index.BlobAt(pack.First + i);
    }

    private void Report(CheckProblem problem)
    {
        lock (_lock)
        {
            _problems.Add(problem);
            onProblem?.Invoke(problem);
        }
    }

    /// <summary>Step 1: loads every index file; false when any fails to load (restic stops there).</summary>
    public async Task<bool> LoadIndexAsync(CancellationToken cancellationToken)
    {
        var ids = await repository.ListIdsAsync(FileType.Index, cancellationToken).ConfigureAwait(false);
        ids.Sort();
        var loaded = new IndexFile?[ids.Count];
        long indexBytes = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, repository.Options.Connections), CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                try
                {
                    var file = await repository.LoadIndexFileAsync(ids[i], json =>
                    {
                        Interlocked.Add(ref indexBytes, json.Length);
                        return IndexFile.Parse(json, ids[i].ToString());
                    }, ct).ConfigureAwait(false);
                    if (repository.Version < 2 && file.Packs.Any(p => p.Blobs.Any(b => b.IsCompressed)))
                        throw new RepositoryException(RepositoryErrorKind.Damaged, $"index {ids[i]} uses compression, which repository version 1 does not support");
                    loaded[i] = file;
                }
                catch (Exception e) when (e is RepositoryException or IOException)
                {
                    Report(new CheckProblem(CheckProblemKind.IndexUnreadable, $"index {ids[i]}: {e.Message}") { Index = ids[i] });
                }
            }).ConfigureAwait(false);

        var packIndexes = new Dictionary<Id, List<Id>>();
        for (int i = 0; i < ids.Count; i++)
        {
            if (loaded[i] is not { } file) continue;
            if (file.IsOldFormat) Report(new CheckProblem(CheckProblemKind.OldIndexFormat, $"index {ids[i].ToShortString()} has old format") { Index = ids[i] });
            var indexId = ids[i];
            repository.AddIndexFile(indexId, file, (packId, blobs, first, added) =>
            {
                if (!packIndexes.TryGetValue(packId, out var inIndexes)) packIndexes[packId] = inIndexes = [];
                inIndexes.Add(indexId);
                if (!_packBlobs.TryGetValue(packId, out var earlier))
                    _packBlobs[packId] = added == blobs.Count && IsSortedByOffset(blobs)
                        ? new PackBlobs(first, added, null)
                        : new PackBlobs(0, 0, blobs.OrderBy(b => b.Offset).ToList());
                else
                    // a pack in several index files is checked against everything they claim of it together (as restic
                    // checks it against the master index): an entry only a later file lists must match the pack too
                    _packBlobs[packId] = new PackBlobs(0, 0, BlobsOf(earlier).Union(blobs).OrderBy(b => b.Offset).ToList());
            });
        }
        bool allLoaded = loaded.All(f => f is not null);
        Array.Clear(loaded); // the packs' blobs live on in the master index
        await Repository.Repository.ReleaseLoadGarbageAsync(indexBytes).ConfigureAwait(false);
        foreach (var (packId, inIndexes) in packIndexes.OrderBy(p => p.Key))
        {
            if (inIndexes.Count > 1)
                Report(new CheckProblem(CheckProblemKind.DuplicatePack,
                    $"pack {packId.ToShortString()} contained in several indexes: {{{string.Join(" ", inIndexes.Select(i => i.ToShortString()))}}}") { Pack = packId });
            var blobs = BlobsOf(_packBlobs[packId]);
            if (blobs.Any(b => b.Type == BlobType.Data) && blobs.Any(b => b.Type == BlobType.Tree))
                Report(new CheckProblem(CheckProblemKind.MixedPack, $"pack {packId.ToShortString()} contains a mix of tree and data blobs") { Pack = packId });
        }
        return allLoaded;
    }

    private static bool IsSortedByOffset(List<PackedBlob> blobs)
    {
        for (int i = 1; i < blobs.Count; i++)
            if (blobs[i].Offset < blobs[i - 1].Offset) return false;
        return true;
    }

    /// <summary>Step 2: every indexed pack exists with the size its index entries imply; unindexed packs are orphans.</summary>
    public async Task CheckPacksAsync(CancellationToken cancellationToken)
    {
        var present = new Dictionary<Id, long>();
        await foreach (var f in repository.ListFilesAsync(FileType.Pack, cancellationToken).ConfigureAwait(false))
            if (Id.TryParse(f.Name, out var id)) present[id] = f.Size;
        HashSet<Id> unlisted = [];
        Dictionary<Id, long> listedSizes = [];
        foreach (var (packId, blobs) in _packBlobs.OrderBy(p => p.Key))
        {
            if (!present.TryGetValue(packId, out long size))
            {
                unlisted.Add(packId);
                Report(new CheckProblem(CheckProblemKind.PackMissing, $"pack {packId} does not exist") { Pack = packId });
                continue;
            }
            long expected = PackSize(blobs);
            if (size != expected)
            {
                listedSizes[packId] = size;
                Report(new CheckProblem(CheckProblemKind.PackSizeMismatch, $"pack {packId}: unexpected file size: got {size}, expected {expected}") { Pack = packId });
            }
        }
        (_unlisted, _listedSizes) = (unlisted, listedSizes);
        foreach (var packId in present.Keys.Where(p => !_packBlobs.ContainsKey(p)).Order())
            Report(new CheckProblem(CheckProblemKind.PackOrphaned, $"pack {packId}: not referenced in any index") { Pack = packId });
    }

    /// <summary>Step 3: every snapshot loads, every tree reachable from them loads, and every node is sound.</summary>
    /// <param name="snapshots">Only these snapshots (restic 0.19's check with snapshot filters); null: all of them.</param>
    public async Task CheckStructureAsync(CancellationToken cancellationToken, IReadOnlyCollection<Id>? snapshots = null)
    {
        var snapshotIds = snapshots?.ToList() ?? await repository.ListIdsAsync(FileType.Snapshot, cancellationToken).ConfigureAwait(false);
        snapshotIds.Sort();
        _used = new ulong[(repository.Index.Count + 63) / 64];
        var visitor = new StructureVisitor(this, repository.Index);
        var roots = new List<(Id Tree, Id Snapshot)>();
        foreach (var snapshotId in snapshotIds)
        {
            Snapshot snapshot;
            try
            {
                snapshot = await repository.LoadSnapshotAsync(snapshotId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RepositoryException or IOException)
            {
                Report(new CheckProblem(CheckProblemKind.SnapshotUnreadable, $"snapshot {snapshotId}: {e.Message}") { Snapshot = snapshotId });
                continue;
            }
            if (snapshot.Tree.IsZero)
            {
                Report(new CheckProblem(CheckProblemKind.SnapshotUnreadable, $"snapshot {snapshotId} has no tree") { Snapshot = snapshotId });
                continue;
            }
            if (visitor.FirstSight(snapshot.Tree)) roots.Add((snapshot.Tree, snapshotId));
        }

        // Each tree is walked once, at its first sight (the bit set in _used): a tree shared by snapshots or
        // directories is checked where the walk meets it first.
        var walker = new TreeWalker(repository);
        foreach (var (treeId, snapshotId) in roots)
        {
            Tree root;
            try
            {
                root = await repository.LoadTreeAsync(treeId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RepositoryException or IOException)
            {
                ReportUnreadableTree(treeId, snapshotId, "/", e);
                continue;
            }
            visitor.Snapshot = snapshotId;
            await walker.WalkAsync(treeId, root, "", visitor, cancellationToken).ConfigureAwait(false);
        }
    }

    private void ReportUnreadableTree(Id treeId, Id snapshotId, string path, Exception e)
    {
        var message = repository.Index.Has(BlobType.Tree, treeId)
            ? $"tree {treeId} (at {path} in snapshot {snapshotId.ToShortString()}) cannot be loaded: {e.Message}"
            : $"tree {treeId} (at {path} in snapshot {snapshotId.ToShortString()}) not found in index";
        Report(new CheckProblem(CheckProblemKind.TreeUnreadable, message) { Tree = treeId, Snapshot = snapshotId, Path = path });
    }

    /// <summary>The structure check's walk: enters each tree at its first sight and checks every node.</summary>
    private sealed class StructureVisitor(Checker checker, MasterIndex index) : ITreeVisitor
    {
        private readonly GarbagePacer _pacer = new();
        private readonly HashSet<Id> _unindexedTrees = []; // seen trees the index lacks (each is reported once)

        /// <summary>The snapshot being walked, for the messages.</summary>
        public Id Snapshot { get; set; }

        public bool FirstSight(Id tree)
        {
            int e = index.Find(BlobType.Tree, tree);
            return e < 0 ? _unindexedTrees.Add(tree) : checker.MarkUsed(e);
        }

        public bool ShouldEnter(in TreeWalkEntry directory) => directory.Node.Subtree is { IsZero: false } subtree && FirstSight(subtree);

        public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            checker.CheckNode(entry, Snapshot);
            if (entry.Node.Type == NodeType.Dir)
            {
                if (entry.LoadError is { } error) checker.ReportUnreadableTree(entry.Node.Subtree!.Value, Snapshot, entry.Path, error);
                _pacer.Tick();
            }
            return ValueTask.FromResult(TreeWalkAction.Continue);
        }
    }

    private void CheckNode(in TreeWalkEntry entry, Id snapshotId)
    {
        var node = entry.Node;
        if (node.Name.Length == 0) Report(Invalid(entry, snapshotId, "node has empty name"));
        // no file system gives such a name; restore skips it and dump refuses it, so check names it
        else if (!FsNames.IsSafeName(node.Name)) Report(Invalid(entry, snapshotId, $"node has unsafe name \"{GoQuote.Quote(node.Name)}\""));
        switch (node.Type)
        {
            case NodeType.File:
                if (node.Content is null)
                {
                    Report(Invalid(entry, snapshotId, $"file \"{node.Name}\" has nil blob list"));
                    break;
                }
                for (int i = 0; i < node.Content.Count; i++)
                {
                    var blobId = node.Content[i];
                    if (blobId.IsZero)
                    {
                        Report(Invalid(entry, snapshotId, $"file \"{node.Name}\" blob {i} has null ID"));
                        continue;
                    }
                    int found = repository.Index.Find(BlobType.Data, blobId);
                    if (found >= 0) MarkUsed(found);
                    else Report(Invalid(entry, snapshotId, $"file \"{node.Name}\" blob {blobId} not found in index", CheckProblemKind.BlobMissing) with { Blob = blobId });
                }
                break;
            case NodeType.Dir:
                if (node.Subtree is not { } subtree)
                    Report(Invalid(entry, snapshotId, $"dir node \"{node.Name}\" has no subtree"));
                else if (subtree.IsZero)
                    Report(Invalid(entry, snapshotId, $"dir node \"{node.Name}\" subtree id is null"));
                break;
            case NodeType.Symlink or NodeType.Socket or NodeType.CharDev or NodeType.Dev or NodeType.Fifo:
                break;
            default:
                Report(Invalid(entry, snapshotId, $"node \"{node.Name}\" with invalid type \"{node.Type}\""));
                break;
        }
    }

    /// <summary>A node's problem; its path is built only then (most nodes are files that verify).</summary>
    private static CheckProblem Invalid(in TreeWalkEntry entry, Id snapshotId, string what, CheckProblemKind kind = CheckProblemKind.InvalidNode)
    {
        var nodePath = entry.Path;
        var treeId = entry.ParentTree;
        return new(kind, $"tree {treeId.ToShortString()}: {what} (at {nodePath} in snapshot {snapshotId.ToShortString()})") { Tree = treeId, Snapshot = snapshotId, Path = nodePath };
    }

    /// <summary>True when entry <paramref name="entry"/> was not marked before.</summary>
    private bool MarkUsed(int entry)
    {
        ref ulong word = ref _used![entry >> 6];
        ulong bit = 1UL << (entry & 63);
        if ((word & bit) != 0) return false;
        word |= bit;
        return true;
    }

    private bool IsUsed(BlobType type, Id id)
    {
        int entry = repository.Index.Find(type, id);
        return _used is not null && entry >= 0 && (_used[entry >> 6] & (1UL << (entry & 63))) != 0;
    }

    /// <summary>Step 4 (--check-unused, after the structure check): every indexed blob no snapshot uses is an error.</summary>
    public void CheckUnusedBlobs()
    {
        var reported = new HashSet<(BlobType, Id)>();
        foreach (var (packId, blob) in repository.Index.All().OrderBy(b => b.Blob.Id))
        {
            var key = (blob.Type, blob.Id);
            if (IsUsed(blob.Type, blob.Id) || !reported.Add(key)) continue;
            Report(new CheckProblem(CheckProblemKind.UnusedBlob, $"unused blob {blob.Id} ({blob.Type.ToJson()}, in pack {packId.ToShortString()})") { Blob = blob.Id, Pack = packId });
        }
    }

    /// <summary>Step 5 (--read-data, --read-data-subset): reads the given packs whole and verifies everything in them.</summary>
    public async Task ReadPacksAsync(IReadOnlyCollection<Id> packs, Action? onPackDone, CancellationToken cancellationToken)
    {
        var pacer = new GarbagePacer();
        await Parallel.ForEachAsync(packs.Order(),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, repository.Options.Connections), CancellationToken = cancellationToken },
            async (packId, ct) =>
            {
                foreach (var problem in await ReadPackAsync(packId, ct).ConfigureAwait(false)) Report(problem);
                pacer.Tick();
                onPackDone?.Invoke();
            }).ConfigureAwait(false);
    }

    /// <summary>A pack's size as CheckPacksAsync's listing gave it, or null when that listing did not run or lacks the pack.</summary>
    private long? ListedSize(Id packId, List<PackedBlob> indexed)
    {
        if (_unlisted is null || _listedSizes is null || !_packBlobs.ContainsKey(packId) || _unlisted.Contains(packId)) return null;
        return _listedSizes.TryGetValue(packId, out long size) ? size : PackHeader.PackSize(indexed);
    }

    private async Task<List<CheckProblem>> ReadPackAsync(Id packId, CancellationToken cancellationToken)
    {
        var problems = new List<CheckProblem>();
        void Damaged(string what, Id? blob = null) =>
            problems.Add(new CheckProblem(CheckProblemKind.PackDamaged, $"pack {packId}: {what}") { Pack = packId, Blob = blob });

        var indexed = _packBlobs.TryGetValue(packId, out var pack) ? BlobsOf(pack) : [];
        long size;
        if (ListedSize(packId, indexed) is { } listed)
        {
            size = listed;
        }
        else
        {
            try
            {
                size = await repository.StatPackAsync(packId, cancellationToken).ConfigureAwait(false);
            }
            catch (BackendFileNotFoundException)
            {
                Damaged("the pack file is missing");
                return problems;
            }
            catch (IOException e)
            {
                Damaged($"cannot be read: {e.Message}");
                return problems;
            }
        }

        // The index's entries must tile the pack from offset 0 with no gap or overlap.
        var tiling = new List<CheckProblem>();
        long next = 0;
        foreach (var b in indexed)
        {
            if (b.Offset != next)
                tiling.Add(new CheckProblem(CheckProblemKind.PackDamaged, $"pack {packId}: blob {b.Id.ToShortString()} is at offset {b.Offset}, expected {next} (index entries are not contiguous)") { Pack = packId, Blob = b.Id });
            next = (long)b.Offset + b.Length;
        }

        // One pass front to back through a bounded window over one stream of the whole pack (not the whole pack in
        // memory): every byte is hashed once, in order, each indexed blob is verified as it goes by, and the header is
        // decoded from the pack's end as it arrives. Blobs the index places behind the read position (a damaged index)
        // are read again on their own, and a header longer than the index implies too, once the stream is closed: it
        // may hold the last free connection.
        var blobProblems = new List<(int Blob, CheckProblem Problem)>();
        List<int>? behind = null;
        Id hash;
        List<PackedBlob>? header = null;
        RepositoryException? headerError = null;
        bool headerDecoded = false;
        // The decompressed plaintext of the pack's compressed blobs, one buffer grown to the largest (blobs are
        // decrypted in the window itself): a pack costs two buffers, not two per blob from every size class.
        byte[]? plain = null;
        int largestPlain = 0;
        long headerBytes = CryptoKey.Overhead + 4;
        foreach (var b in indexed)
        {
            if (b.IsCompressed && b.UncompressedLength <= Array.MaxLength && (long)b.Offset + b.Length <= size)
                largestPlain = Math.Max(largestPlain, (int)b.UncompressedLength);
            headerBytes += PackHeader.EntrySize(b);
        }
        try
        {
            using (var stream = repository.OpenPackStream(packId, size))
            {
                for (int i = 0; i < indexed.Count; i++)
                {
                    var b = indexed[i];
                    if ((long)b.Offset + b.Length > size || b.Length < CryptoKey.Overhead)
                    {
                        blobProblems.Add((i, new CheckProblem(CheckProblemKind.PackDamaged, $"pack {packId}: blob {b.Id} (offset {b.Offset}, length {b.Length}) lies outside the pack") { Pack = packId, Blob = b.Id }));
                        continue;
                    }
                    if (b.Offset < stream.Position)
                    {
                        (behind ??= []).Add(i);
                        continue;
                    }
                    await stream.SkipToAsync(b.Offset, cancellationToken).ConfigureAwait(false);
                    var stored = await stream.TakeAsync((int)b.Length, cancellationToken).ConfigureAwait(false);
                    if (VerifyBlob(packId, b, stored.Span, ref plain, largestPlain) is { } problem) blobProblems.Add((i, problem));
                }
                // The pack's end, as long as the index says the header is (at least what restic reads of it first).
                long tailStart = Math.Max(stream.Position, size - Math.Min(size, Math.Max(Math.Min(headerBytes, PackHeader.MaxHeaderSize + 4), PackHeader.EagerReadSize)));
                await stream.SkipToAsync(tailStart, cancellationToken).ConfigureAwait(false);
                var tail = await stream.TakeAsync((int)(size - tailStart), cancellationToken).ConfigureAwait(false);
                hash = stream.GetHash();
                if (PackReader.HoldsHeader(tail.Span, size))
                {
                    headerDecoded = true;
                    try
                    {
                        header = repository.DecodePackHeader(packId, tail.Span, size);
                    }
                    catch (RepositoryException e)
                    {
                        headerError = e;
                    }
                }
            }
            if (behind is not null)
            {
                foreach (int i in behind)
                {
                    var b = indexed[i];
                    var reread = BlobBuffers.Rent((int)b.Length);
                    try
                    {
                        await repository.ReadPackAsync(packId, b.Offset, reread.AsMemory(0, (int)b.Length), cancellationToken).ConfigureAwait(false);
                        if (VerifyBlob(packId, b, reread.AsSpan(0, (int)b.Length), ref plain, largestPlain) is { } problem) blobProblems.Add((i, problem));
                    }
                    finally
                    {
                        BlobBuffers.Return(reread);
                    }
                }
            }
        }
        catch (IOException e)
        {
            Damaged(e is BackendFileNotFoundException ? "the pack file is missing" : $"cannot be read: {e.Message}");
            return problems;
        }
        finally
        {
            if (plain is not null) BlobBuffers.Return(plain);
        }

        if (hash != packId) Damaged($"Pack ID does not match, want {packId.ToShortString()}, got {hash.ToShortString()}");
        problems.AddRange(tiling);

        if (!headerDecoded)
        {
            try
            {
                header = await repository.ReadPackHeaderAsync(packId, size, cancellationToken).ConfigureAwait(false);
            }
            catch (RepositoryException e)
            {
                headerError = e;
            }
        }
        if (headerError is not null) Damaged($"header: {headerError.Message}");
        if (header is not null)
        {
            long headerSize = PackHeader.PackSize(header), indexSize = PackHeader.PackSize(indexed);
            if (headerSize != indexSize) Damaged($"pack size from header {headerSize} does not match the size from the index {indexSize}");
            // Nearly always the same list in the same order: compared so, without two sets per pack.
            if (!header.SequenceEqual(indexed))
            {
                var inIndex = indexed.ToHashSet();
                foreach (var h in header)
                    if (!inIndex.Contains(h))
                        Damaged($"header entry for {h.Type.ToJson()} blob {h.Id} (offset {h.Offset}, length {h.Length}) does not match the index", h.Id);
                var inHeader = header.ToHashSet();
                foreach (var b in indexed)
                    if (!inHeader.Contains(b))
                        Damaged($"index entry for {b.Type.ToJson()} blob {b.Id} (offset {b.Offset}, length {b.Length}) is not in the pack header", b.Id);
            }
        }
        // In the index's order, also for the blobs read again after the stream.
        problems.AddRange(behind is null ? blobProblems.Select(p => p.Problem) : blobProblems.OrderBy(p => p.Blob).Select(p => p.Problem));
        return problems;
    }

    /// <summary>Decrypts, decompresses and hashes one blob in place: its problem, or null when it is sound.</summary>
    private CheckProblem? VerifyBlob(Id packId, in PackedBlob b, Span<byte> stored, ref byte[]? plain, int largestPlain)
    {
        long plainLength = b.IsCompressed ? b.UncompressedLength : b.Length - CryptoKey.Overhead;
        if (plainLength > Array.MaxLength)
        {
            return new CheckProblem(CheckProblemKind.PackDamaged, $"pack {packId}: blob {b.Id}: plaintext length {plainLength} is out of range") { Pack = packId, Blob = b.Id };
        }
        if (b.IsCompressed && (plain is null || plain.Length < plainLength))
        {
            if (plain is not null) BlobBuffers.Return(plain);
            plain = null; // not returned twice should the next line throw
            // At once the size of the pack's largest: growing step by step would leave one idle array of every
            // size class in the pool.
            plain = BlobBuffers.Rent(Math.Max((int)plainLength, largestPlain));
        }
        try
        {
            repository.VerifyBlobInPlace(packId, b, stored, b.IsCompressed ? plain.AsSpan(0, (int)plainLength) : default);
            return null;
        }
        catch (RepositoryException e)
        {
            return new CheckProblem(CheckProblemKind.PackDamaged, $"pack {packId}: blob {b.Id}: {e.Message}") { Pack = packId, Blob = b.Id };
        }
    }
}
