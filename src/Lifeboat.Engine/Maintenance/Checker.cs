using Lifeboat.Engine.Crypto;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;

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
    private readonly Dictionary<Id, List<PackedBlob>> _packBlobs = [];
    private readonly HashSet<(BlobType, Id)> _usedBlobs = [];

    public IReadOnlyList<CheckProblem> Problems { get { lock (_lock) return _problems.ToList(); } }
    public bool ErrorsFound { get { lock (_lock) return _problems.Any(p => p.IsError); } }

    /// <summary>Every indexed pack with its size as the index implies it (what read-data subsets choose from).</summary>
    public IReadOnlyDictionary<Id, long> IndexedPacks => _packBlobs.ToDictionary(p => p.Key, p => PackHeader.PackSize(p.Value));

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
                    var json = await repository.LoadUnpackedAsync(FileType.Index, ids[i], ct).ConfigureAwait(false);
                    Interlocked.Add(ref indexBytes, json.Length);
                    var file = IndexFile.Parse(json, ids[i].ToString());
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
            foreach (var (packId, blobs) in file.Packs)
            {
                repository.Index.AddPack(packId, blobs);
                if (!packIndexes.TryGetValue(packId, out var inIndexes)) packIndexes[packId] = inIndexes = [];
                inIndexes.Add(ids[i]);
                if (!_packBlobs.ContainsKey(packId)) _packBlobs[packId] = SortedByOffset(blobs);
            }
            repository.IndexFiles.Add(ids[i]);
        }
        bool allLoaded = loaded.All(f => f is not null);
        Array.Clear(loaded); // the packs' lists live on in _packBlobs and the master index
        Repository.Repository.ReleaseLoadGarbage(indexBytes);
        foreach (var (packId, inIndexes) in packIndexes.OrderBy(p => p.Key))
        {
            if (inIndexes.Count > 1)
                Report(new CheckProblem(CheckProblemKind.DuplicatePack,
                    $"pack {packId.ToShortString()} contained in several indexes: {{{string.Join(" ", inIndexes.Select(i => i.ToShortString()))}}}") { Pack = packId });
            var blobs = _packBlobs[packId];
            if (blobs.Any(b => b.Type == BlobType.Data) && blobs.Any(b => b.Type == BlobType.Tree))
                Report(new CheckProblem(CheckProblemKind.MixedPack, $"pack {packId.ToShortString()} contains a mix of tree and data blobs") { Pack = packId });
        }
        return allLoaded;
    }

    // Packs are written front to back, so their index entries are nearly always in offset order already:
    // keep the parsed list then instead of a second copy of every blob.
    private static List<PackedBlob> SortedByOffset(List<PackedBlob> blobs)
    {
        for (int i = 1; i < blobs.Count; i++)
            if (blobs[i].Offset < blobs[i - 1].Offset) return blobs.OrderBy(b => b.Offset).ToList();
        return blobs;
    }

    /// <summary>Step 2: every indexed pack exists with the size its index entries imply; unindexed packs are orphans.</summary>
    public async Task CheckPacksAsync(CancellationToken cancellationToken)
    {
        var present = new Dictionary<Id, long>();
        await foreach (var f in repository.Backend.ListAsync(FileType.Pack, cancellationToken).ConfigureAwait(false))
            if (Id.TryParse(f.Name, out var id)) present[id] = f.Size;
        foreach (var (packId, blobs) in _packBlobs.OrderBy(p => p.Key))
        {
            if (!present.TryGetValue(packId, out long size))
            {
                Report(new CheckProblem(CheckProblemKind.PackMissing, $"pack {packId} does not exist") { Pack = packId });
                continue;
            }
            long expected = PackHeader.PackSize(blobs);
            if (size != expected)
                Report(new CheckProblem(CheckProblemKind.PackSizeMismatch, $"pack {packId}: unexpected file size: got {size}, expected {expected}") { Pack = packId });
        }
        foreach (var packId in present.Keys.Where(p => !_packBlobs.ContainsKey(p)).Order())
            Report(new CheckProblem(CheckProblemKind.PackOrphaned, $"pack {packId}: not referenced in any index") { Pack = packId });
    }

    /// <summary>Step 3: every snapshot loads, every tree reachable from them loads, and every node is sound.</summary>
    public async Task CheckStructureAsync(CancellationToken cancellationToken)
    {
        var snapshotIds = await repository.ListIdsAsync(FileType.Snapshot, cancellationToken).ConfigureAwait(false);
        snapshotIds.Sort();
        // Sized once to the index (snapshots rarely use fewer blobs than it lists): no growth by doubling, which
        // holds the old and the new table at once.
        _usedBlobs.EnsureCapacity(repository.Index.Count);
        var queue = new Queue<(Id Tree, Id Snapshot, string Path)>();
        var seen = new HashSet<Id>();
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
            if (seen.Add(snapshot.Tree)) queue.Enqueue((snapshot.Tree, snapshotId, "/"));
        }

        while (queue.Count > 0)
        {
            var (treeId, snapshotId, path) = queue.Dequeue();
            _usedBlobs.Add((BlobType.Tree, treeId));
            Tree tree;
            try
            {
                tree = await repository.LoadTreeAsync(treeId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RepositoryException or IOException)
            {
                var message = repository.Index.Has(BlobType.Tree, treeId)
                    ? $"tree {treeId} (at {path} in snapshot {snapshotId.ToShortString()}) cannot be loaded: {e.Message}"
                    : $"tree {treeId} (at {path} in snapshot {snapshotId.ToShortString()}) not found in index";
                Report(new CheckProblem(CheckProblemKind.TreeUnreadable, message) { Tree = treeId, Snapshot = snapshotId, Path = path });
                continue;
            }
            foreach (var node in tree.Nodes)
            {
                var nodePath = path == "/" ? "/" + node.Name : path + "/" + node.Name;
                CheckProblem Invalid(string what, CheckProblemKind kind = CheckProblemKind.InvalidNode) =>
                    new(kind, $"tree {treeId.ToShortString()}: {what} (at {nodePath} in snapshot {snapshotId.ToShortString()})") { Tree = treeId, Snapshot = snapshotId, Path = nodePath };
                if (node.Name.Length == 0) Report(Invalid("node has empty name"));
                switch (node.Type)
                {
                    case NodeType.File:
                        if (node.Content is null)
                        {
                            Report(Invalid($"file \"{node.Name}\" has nil blob list"));
                            break;
                        }
                        for (int i = 0; i < node.Content.Count; i++)
                        {
                            var blobId = node.Content[i];
                            if (blobId.IsZero)
                            {
                                Report(Invalid($"file \"{node.Name}\" blob {i} has null ID"));
                                continue;
                            }
                            _usedBlobs.Add((BlobType.Data, blobId));
                            if (!repository.Index.Has(BlobType.Data, blobId))
                                Report(Invalid($"file \"{node.Name}\" blob {blobId} not found in index", CheckProblemKind.BlobMissing) with { Blob = blobId });
                        }
                        break;
                    case NodeType.Dir:
                        if (node.Subtree is not { } subtree)
                            Report(Invalid($"dir node \"{node.Name}\" has no subtree"));
                        else if (subtree.IsZero)
                            Report(Invalid($"dir node \"{node.Name}\" subtree id is null"));
                        else if (seen.Add(subtree))
                            queue.Enqueue((subtree, snapshotId, nodePath));
                        break;
                    case NodeType.Symlink or NodeType.Socket or NodeType.CharDev or NodeType.Dev or NodeType.Fifo:
                        break;
                    default:
                        Report(Invalid($"node \"{node.Name}\" with invalid type \"{node.Type}\""));
                        break;
                }
            }
        }
    }

    /// <summary>Step 4 (--check-unused, after the structure check): every indexed blob no snapshot uses is an error.</summary>
    public void CheckUnusedBlobs()
    {
        var reported = new HashSet<(BlobType, Id)>();
        foreach (var (packId, blob) in repository.Index.All().OrderBy(b => b.Blob.Id))
        {
            var key = (blob.Type, blob.Id);
            if (_usedBlobs.Contains(key) || !reported.Add(key)) continue;
            Report(new CheckProblem(CheckProblemKind.UnusedBlob, $"unused blob {blob.Id} ({blob.Type.ToJson()}, in pack {packId.ToShortString()})") { Blob = blob.Id, Pack = packId });
        }
    }

    /// <summary>Step 5 (--read-data, --read-data-subset): reads the given packs whole and verifies everything in them.</summary>
    public async Task ReadPacksAsync(IReadOnlyCollection<Id> packs, Action? onPackDone, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(packs.Order(),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, repository.Options.Connections), CancellationToken = cancellationToken },
            async (packId, ct) =>
            {
                foreach (var problem in await ReadPackAsync(packId, ct).ConfigureAwait(false)) Report(problem);
                onPackDone?.Invoke();
            }).ConfigureAwait(false);
    }

    private async Task<List<CheckProblem>> ReadPackAsync(Id packId, CancellationToken cancellationToken)
    {
        var problems = new List<CheckProblem>();
        void Damaged(string what, Id? blob = null) =>
            problems.Add(new CheckProblem(CheckProblemKind.PackDamaged, $"pack {packId}: {what}") { Pack = packId, Blob = blob });

        var indexed = _packBlobs.TryGetValue(packId, out var list) ? list : [];
        string name = packId.ToString();
        long size;
        try
        {
            size = await repository.Backend.StatAsync(FileType.Pack, name, cancellationToken).ConfigureAwait(false);
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

        // The index's entries must tile the pack from offset 0 with no gap or overlap.
        var tiling = new List<CheckProblem>();
        long next = 0;
        foreach (var b in indexed)
        {
            if (b.Offset != next)
                tiling.Add(new CheckProblem(CheckProblemKind.PackDamaged, $"pack {packId}: blob {b.Id.ToShortString()} is at offset {b.Offset}, expected {next} (index entries are not contiguous)") { Pack = packId, Blob = b.Id });
            next = (long)b.Offset + b.Length;
        }

        // One pass front to back through a bounded window (not the whole pack in memory): every byte is hashed
        // once, in order, and each indexed blob is verified as it goes by. Blobs the index places behind the
        // read position (a damaged index) are read again on their own.
        var blobProblems = new List<CheckProblem>();
        Id hash;
        using (var stream = new PackStream(repository.Backend, name, size))
        {
            try
            {
                foreach (var b in indexed)
                {
                    if ((long)b.Offset + b.Length > size || b.Length < CryptoKey.Overhead)
                    {
                        blobProblems.Add(new CheckProblem(CheckProblemKind.PackDamaged, $"pack {packId}: blob {b.Id} (offset {b.Offset}, length {b.Length}) lies outside the pack") { Pack = packId, Blob = b.Id });
                        continue;
                    }
                    byte[]? reread = null;
                    try
                    {
                        ReadOnlyMemory<byte> stored;
                        if (b.Offset >= stream.Position)
                        {
                            await stream.SkipToAsync(b.Offset, cancellationToken).ConfigureAwait(false);
                            stored = await stream.TakeAsync((int)b.Length, cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            reread = BlobBuffers.Rent((int)b.Length);
                            stored = reread.AsMemory(0, (int)b.Length);
                            await repository.Backend.ReadAsync(FileType.Pack, name, b.Offset, reread.AsMemory(0, (int)b.Length), cancellationToken).ConfigureAwait(false);
                        }
                        VerifyBlob(packId, b, stored.Span, blobProblems);
                    }
                    finally
                    {
                        if (reread is not null) BlobBuffers.Return(reread);
                    }
                }
                await stream.SkipToAsync(size, cancellationToken).ConfigureAwait(false);
                hash = stream.GetHash();
            }
            catch (IOException e)
            {
                Damaged($"cannot be read: {e.Message}");
                return problems;
            }
        }

        if (hash != packId) Damaged($"Pack ID does not match, want {packId.ToShortString()}, got {hash.ToShortString()}");
        problems.AddRange(tiling);

        List<PackedBlob>? header = null;
        try
        {
            header = await PackReader.ReadHeaderAsync(repository.Backend, repository.Key, packId, size, cancellationToken).ConfigureAwait(false);
        }
        catch (RepositoryException e)
        {
            Damaged($"header: {e.Message}");
        }
        if (header is not null)
        {
            long headerSize = PackHeader.PackSize(header), indexSize = PackHeader.PackSize(indexed);
            if (headerSize != indexSize) Damaged($"pack size from header {headerSize} does not match the size from the index {indexSize}");
            var inIndex = indexed.ToHashSet();
            foreach (var h in header)
                if (!inIndex.Contains(h))
                    Damaged($"header entry for {h.Type.ToJson()} blob {h.Id} (offset {h.Offset}, length {h.Length}) does not match the index", h.Id);
            var inHeader = header.ToHashSet();
            foreach (var b in indexed)
                if (!inHeader.Contains(b))
                    Damaged($"index entry for {b.Type.ToJson()} blob {b.Id} (offset {b.Offset}, length {b.Length}) is not in the pack header", b.Id);
        }
        problems.AddRange(blobProblems);
        return problems;
    }

    private void VerifyBlob(Id packId, in PackedBlob b, ReadOnlySpan<byte> stored, List<CheckProblem> problems)
    {
        long plainLength = b.IsCompressed ? b.UncompressedLength : b.Length - CryptoKey.Overhead;
        if (plainLength > Array.MaxLength)
        {
            problems.Add(new CheckProblem(CheckProblemKind.PackDamaged, $"pack {packId}: blob {b.Id}: plaintext length {plainLength} is out of range") { Pack = packId, Blob = b.Id });
            return;
        }
        var plain = BlobBuffers.Rent((int)plainLength);
        try
        {
            repository.DecodeBlob(packId, b, stored, plain.AsSpan(0, (int)plainLength));
        }
        catch (RepositoryException e)
        {
            problems.Add(new CheckProblem(CheckProblemKind.PackDamaged, $"pack {packId}: blob {b.Id}: {e.Message}") { Pack = packId, Blob = b.Id });
        }
        finally
        {
            BlobBuffers.Return(plain);
        }
    }
}
