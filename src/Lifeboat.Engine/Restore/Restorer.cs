using System.Buffers;
using Lifeboat.Engine.Filtering;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// Restores a tree into a target directory. First it walks the snapshot, creating directories and
/// special files and planning every file's content by pack; then it reads each needed pack once (in
/// coalesced ranges, several packs at a time), verifies every blob against its ID and writes it to all
/// the file offsets that need it; finally it applies metadata bottom-up so directory times hold.
/// Names are checked so that nothing is ever written outside the target.
/// </summary>
public sealed class Restorer
{
    private const int MaxCoalescedRead = 4 * 1024 * 1024;
    private const int MaxCoalesceGap = 256 * 1024;

    private readonly Repository.Repository _repo;
    private readonly RestoreOptions _options;
    private readonly IRestoreObserver? _observer;
    private readonly List<PathPattern> _includes;
    private readonly List<PathPattern> _excludes;
    private readonly bool _ownership;
    // the directories above the selected paths, which must be walked into
    private readonly HashSet<string>? _selectedAncestors;

    private readonly List<FilePlan> _files = [];
    private readonly Dictionary<Id, List<PlannedBlob>> _packs = [];
    // where each needed blob sits in its pack's list, so a blob shared by many files is planned once
    private readonly Dictionary<Id, (List<PlannedBlob> Pack, int Entry)> _plannedBlobs = [];
    private readonly SemaphoreSlim _treeSlots = new(8);
    private readonly List<(string Path, ItemMetadata Metadata)> _metadataOrder = [];
    private readonly Dictionary<(ulong, ulong), FilePlan> _hardLinks = [];
    private readonly List<(string Path, FilePlan Original, Node Node)> _links = [];

    public Restorer(Repository.Repository repository, RestoreOptions options, IRestoreObserver? observer = null)
    {
        _repo = repository;
        _options = options;
        _observer = observer;
        _includes = [.. options.Includes.Select(p => new PathPattern(p)), .. options.InsensitiveIncludes.Select(p => new PathPattern(p, true))];
        _excludes = [.. options.Excludes.Select(p => new PathPattern(p)), .. options.InsensitiveExcludes.Select(p => new PathPattern(p, true))];
        _ownership = options.RestoreOwnership ?? Posix.GetUid() == 0;
        if (options.SelectedPaths is { } selectedPaths)
        {
            _selectedAncestors = new HashSet<string>(StringComparer.Ordinal);
            foreach (var path in selectedPaths)
                for (int slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
                    if (!_selectedAncestors.Add(path[..slash])) break;
        }
    }

    public RestoreStatistics Statistics { get; } = new();

    /// <summary>Restores the tree <paramref name="rootTree"/> (a snapshot's root, or a subfolder's tree) into the target.</summary>
    public async Task RunAsync(Id rootTree, CancellationToken cancellationToken)
    {
        var target = _options.Target.TrimEnd('/');
        if (target.Length == 0) target = "/";
        bool freshTarget = !Posix.TryLStat(target, out _, out _);
        if (!_options.DryRun) Posix.MakeDirectories(target, 0x1C0 /* 0700 */);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await PlanDirectoryAsync(rootTree, LoadTreeAsync(rootTree, cancellationToken), target, "", freshTarget, cancellationToken).ConfigureAwait(false);
        Statistics.PlanTime = clock.Elapsed;
        if (_options.DryRun) return;

        await Parallel.ForEachAsync(_packs, new ParallelOptions { MaxDegreeOfParallelism = _options.PackConcurrency, CancellationToken = cancellationToken },
            async (pack, ct) =>
            {
                await RestorePackAsync(pack.Key, pack.Value, ct).ConfigureAwait(false);
                pack.Value.Clear(); // done with this pack: its plan need not stay in memory
            }).ConfigureAwait(false);
        _plannedBlobs.Clear();

        foreach (var file in _files) file.Close();
        Statistics.ContentTime = clock.Elapsed - Statistics.PlanTime;
        foreach (var (path, original, node) in _links)
        {
            try
            {
                if (original.Failed)
                {
                    Fail(path, new InvalidDataException($"not restored: it is a hard link to {original.Path}, which could not be restored"));
                    continue;
                }
                Posix.Link(original.Path, path);
            }
            catch (PosixException e) { Fail(path, e); }
        }
        // children were added before their directories, so this order applies directory times last
        foreach (var (path, metadata) in _metadataOrder) ApplyMetadata(path, metadata);
        Statistics.MetadataTime = clock.Elapsed - Statistics.PlanTime - Statistics.ContentTime;
    }

    private void Fail(string path, Exception e)
    {
        Interlocked.Increment(ref Statistics.Errors);
        _observer?.ItemError(path, e);
    }

    private bool Selected(string location, Node node, out bool childMaySelect)
    {
        childMaySelect = node.Type == NodeType.Dir;
        foreach (var ex in _excludes)
            if (ex.Matches(location)) { childMaySelect = false; return false; }
        if (_options.SelectedPaths is { } selectedPaths)
        {
            bool chosen = selectedPaths.Contains(location);
            childMaySelect = node.Type == NodeType.Dir && !chosen && _selectedAncestors!.Contains(location);
            if (!chosen || _includes.Count == 0) return chosen;
        }
        if (_includes.Count == 0) return true;
        bool matched = _includes.Any(p => p.Matches(location));
        if (!matched && node.Type == NodeType.Dir) childMaySelect = _includes.Any(p => p.ChildMayMatch(location));
        else if (!matched) childMaySelect = false;
        return matched;
    }

    /// <summary>A name from a repository becomes a path component only when it cannot escape the target.</summary>
    private static bool IsSafeName(string name) => name.Length > 0 && name != "." && name != ".." && !name.Contains('/') && !name.Contains('\0');

    /// <returns>True when anything inside was selected (so the directory itself must exist).</returns>
    private async Task<Tree> LoadTreeAsync(Id id, CancellationToken cancellationToken)
    {
        await _treeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => _repo.LoadTreeAsync(id, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _treeSlots.Release();
        }
    }

    /// <param name="fresh">The directory was just created by this restore, so nothing in it needs to be replaced.</param>
    private async Task<bool> PlanDirectoryAsync(Id treeId, Task<Tree> treeLoad, string directory, string location, bool fresh, CancellationToken cancellationToken, bool wholeSelected = false)
    {
        Tree tree;
        try
        {
            tree = await treeLoad.ConfigureAwait(false);
        }
        catch (RepositoryException e) when (location.Length > 0)
        {
            // one damaged directory costs only itself: report it and restore the rest
            Fail(directory, e);
            return false;
        }
        // Planning is sequential (it decides the order metadata is applied in), but the subtrees of this
        // directory are fetched all at once, so planning rarely waits on the repository.
        var subtrees = new Dictionary<Id, (Task<Tree> Load, int Uses)>();
        foreach (var node in tree.Nodes)
            if (node is { Type: NodeType.Dir, Subtree: { } sub })
                subtrees[sub] = subtrees.TryGetValue(sub, out var known) ? (known.Load, known.Uses + 1) : (LoadTreeAsync(sub, cancellationToken), 1);
        bool any = false;
        foreach (var node in tree.Nodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!IsSafeName(node.Name))
            {
                Fail(FsNames.Join(directory, node.Name), new InvalidDataException($"tree {treeId} holds an unsafe name \"{node.Name}\": skipped"));
                continue;
            }
            var path = FsNames.Join(directory, node.Name);
            var itemLocation = location + "/" + node.Name;
            bool selected = true, childMay = node.Type == NodeType.Dir;
            if (!wholeSelected) selected = Selected(itemLocation, node, out childMay);
            else if (_excludes.Any(e => e.Matches(itemLocation))) { selected = false; childMay = false; }

            if (node.Type == NodeType.Dir)
            {
                if (!selected && !childMay) continue;
                if (node.Subtree is null)
                {
                    Fail(path, new InvalidDataException($"directory {itemLocation} has no subtree"));
                    continue;
                }
                bool created;
                try
                {
                    created = !_options.DryRun && EnsureDirectory(path, fresh);
                }
                catch (PosixException e)
                {
                    Fail(path, e);
                    continue;
                }
                // let go of each subtree once planned, so that only the trees on the current path stay in memory
                var (subtreeLoad, uses) = subtrees[node.Subtree.Value];
                if (uses == 1) subtrees.Remove(node.Subtree.Value);
                else subtrees[node.Subtree.Value] = (subtreeLoad, uses - 1);
                bool inner = await PlanDirectoryAsync(node.Subtree.Value, subtreeLoad, path, itemLocation, created, cancellationToken, wholeSelected || selected).ConfigureAwait(false);
                if (selected || inner)
                {
                    any = true;
                    _metadataOrder.Add((path, ItemMetadata.Of(node)));
                }
                else if (!_options.DryRun)
                {
                    try { Posix.RemoveDirectory(path); } catch (PosixException) { }
                }
                continue;
            }
            if (!selected) continue;
            any = true;
            Interlocked.Increment(ref Statistics.TotalFiles);
            if (_options.DryRun) continue;
            try
            {
                PlanItem(path, node, fresh);
            }
            catch (PosixException e) { Fail(path, e); }
        }
        return any;
    }

    /// <returns>True when the directory was created now (it is empty).</returns>
    private static bool EnsureDirectory(string path, bool parentFresh)
    {
        if (parentFresh)
        {
            try
            {
                Posix.MakeDirectory(path, 0x1C0 /* 0700 */);
                return true;
            }
            catch (PosixException e) when (e.Errno == Errno.EEXIST)
            {
                // a damaged tree may name two items alike: treat it like an existing target
            }
        }
        if (Posix.TryLStat(path, out var st, out _))
        {
            if (st.IsDirectory) return false;
            Posix.Unlink(path); // a file or symlink in the way is replaced, never followed
        }
        Posix.MakeDirectory(path, 0x1C0 /* 0700 */);
        return true;
    }

    private static void RemoveExisting(string path, bool parentFresh)
    {
        if (!parentFresh && Posix.TryLStat(path, out var st, out _))
        {
            if (st.IsDirectory) throw new PosixException(Errno.EISDIR, "restore", path);
            Posix.Unlink(path);
        }
    }

    private void PlanItem(string path, Node node, bool fresh)
    {
        switch (node.Type)
        {
            case NodeType.File:
                if (node.Links > 1)
                {
                    lock (_hardLinks)
                    {
                        if (_hardLinks.TryGetValue((node.DeviceId, node.Inode), out var original))
                        {
                            RemoveExisting(path, fresh);
                            _links.Add((path, original, node));
                            Interlocked.Increment(ref Statistics.FilesDone);
                            return;
                        }
                    }
                }
                PlanFile(path, node, fresh);
                break;
            case NodeType.Symlink:
                RemoveExisting(path, fresh);
                Posix.Symlink(node.LinkTarget ?? "", path);
                ApplyMetadata(path, ItemMetadata.Of(node));
                Interlocked.Increment(ref Statistics.FilesDone);
                break;
            case NodeType.Fifo:
                RemoveExisting(path, fresh);
                Posix.MakeFifo(path, 0x180 /* 0600 */);
                ApplyMetadata(path, ItemMetadata.Of(node));
                Interlocked.Increment(ref Statistics.FilesDone);
                break;
            case NodeType.Dev:
            case NodeType.CharDev:
                RemoveExisting(path, fresh);
                Posix.MakeNode(path, (node.Type == NodeType.Dev ? 0x6000u : 0x2000u) | 0x180 /* 0600 */, node.Device);
                ApplyMetadata(path, ItemMetadata.Of(node));
                Interlocked.Increment(ref Statistics.FilesDone);
                break;
            case NodeType.Socket:
                // restic does not restore sockets either: a socket only means something to its live process.
                break;
            default:
                Fail(path, new InvalidDataException($"unknown node type \"{node.Type}\""));
                break;
        }
    }

    private void PlanFile(string path, Node node, bool fresh)
    {
        RemoveExisting(path, fresh);
        var content = node.Content ?? [];
        Interlocked.Add(ref Statistics.TotalBytes, (long)node.Size);
        if (content.Count == 0)
        {
            // Files with content are created on their first write; an empty one (or an all-hole one) now.
            using (var handle = Posix.OpenWrite(path, 0x180 /* 0600 */))
                if (node.Size > 0) Posix.Truncate(handle, (long)node.Size);
            ApplyMetadata(path, ItemMetadata.Of(node));
            if (node.Links > 1) lock (_hardLinks) _hardLinks[(node.DeviceId, node.Inode)] = FilePlan.Done(path);
            Interlocked.Increment(ref Statistics.FilesDone);
            return;
        }
        var plan = new FilePlan(path, ItemMetadata.Of(node), (long)node.Size, content.Count);
        _files.Add(plan);
        if (node.Links > 1) lock (_hardLinks) _hardLinks[(node.DeviceId, node.Inode)] = plan;
        long offset = 0;
        foreach (var blobId in content)
        {
            if (!_repo.Index.TryLookup(BlobType.Data, blobId, out var location))
            {
                plan.Failed = true;
                Fail(path, new RepositoryException(RepositoryErrorKind.Damaged, $"data blob {blobId} of {path} is not in the index"));
                return;
            }
            if (_plannedBlobs.TryGetValue(blobId, out var planned))
            {
                var entry = planned.Pack[planned.Entry];
                (entry.More ??= []).Add((plan, offset));
                planned.Pack[planned.Entry] = entry;
            }
            else
            {
                if (!_packs.TryGetValue(location.PackId, out var blobs)) _packs[location.PackId] = blobs = [];
                _plannedBlobs[blobId] = (blobs, blobs.Count);
                blobs.Add(new PlannedBlob { Blob = location.Blob, File = plan, Offset = offset });
            }
            offset += location.Blob.IsCompressed ? location.Blob.UncompressedLength : location.Blob.Length - Crypto.CryptoKey.Overhead;
        }
    }

    private async Task RestorePackAsync(Id packId, List<PlannedBlob> blobs, CancellationToken cancellationToken)
    {
        blobs.Sort((a, b) => a.Blob.Offset.CompareTo(b.Blob.Offset));
        int i = 0;
        while (i < blobs.Count)
        {
            // coalesce neighbouring blobs into one read
            int j = i + 1;
            long start = blobs[i].Blob.Offset;
            long end = start + blobs[i].Blob.Length;
            while (j < blobs.Count && blobs[j].Blob.Offset - end <= MaxCoalesceGap && blobs[j].Blob.Offset + blobs[j].Blob.Length - start <= MaxCoalescedRead)
            {
                end = Math.Max(end, blobs[j].Blob.Offset + blobs[j].Blob.Length);
                j++;
            }
            int length = (int)(end - start);
            var buffer = BlobBuffers.Rent(length);
            try
            {
                try
                {
                    await _repo.Backend.ReadAsync(Storage.FileType.Pack, packId.ToString(), start, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException)
                {
                    var error = e is Storage.BackendFileNotFoundException
                        ? new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is missing")
                        : new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} cannot be read: {e.Message}", e);
                    for (int k = i; k < j; k++) FailTargets(blobs[k], error);
                    i = j;
                    continue;
                }
                for (int k = i; k < j; k++)
                {
                    var planned = blobs[k];
                    var blob = planned.Blob;
                    int plainLength = (int)(blob.IsCompressed ? blob.UncompressedLength : blob.Length - Crypto.CryptoKey.Overhead);
                    var plain = BlobBuffers.Rent(plainLength);
                    try
                    {
                        _repo.DecodeBlob(packId, blob, buffer.AsSpan((int)(blob.Offset - start), (int)blob.Length), plain.AsSpan(0, plainLength));
                        planned.File.Write(plain.AsSpan(0, plainLength), planned.Offset, this);
                        if (planned.More is { } more)
                            foreach (var (file, offset) in more) file.Write(plain.AsSpan(0, plainLength), offset, this);
                    }
                    catch (RepositoryException e)
                    {
                        FailTargets(planned, e);
                    }
                    finally
                    {
                        BlobBuffers.Return(plain);
                    }
                }
            }
            finally
            {
                BlobBuffers.Return(buffer);
            }
            i = j;
        }
    }

    private void FailTargets(in PlannedBlob planned, Exception error)
    {
        FailTarget(planned.File, error);
        if (planned.More is { } more)
            foreach (var (file, _) in more) FailTarget(file, error);
    }

    private void FailTarget(FilePlan file, Exception error)
    {
        if (!file.Failed)
        {
            file.Failed = true;
            Fail(file.Path, error);
        }
        file.BlobDone(this);
    }

    private void ApplyMetadata(string path, in ItemMetadata metadata)
    {
        try
        {
            if (_ownership) Posix.LChown(path, metadata.Uid, metadata.Gid);
            if (!metadata.IsSymlink) Posix.Chmod(path, GoFileMode.ToPosixPermissions(metadata.Mode));
            if (metadata.ExtendedAttributes is { } xattrs)
                foreach (var x in xattrs)
                {
                    try { Posix.SetXattr(path, x.Name, x.Value); }
                    catch (PosixException e) when (e.Errno is Errno.ENOTSUP or Errno.EPERM) { /* not every file system takes every namespace */ }
                }
            Posix.SetTimes(path, ToTimespec(metadata.AccessTime), ToTimespec(metadata.ModTime));
        }
        catch (PosixException e)
        {
            Fail(path, e);
        }
    }

    private static Timespec ToTimespec(GoTime t) => new(t.UnixSeconds, t.Nanoseconds);

    /// <summary>
    /// One blob to read from a pack and where its plaintext goes. Nearly every blob has a single target, kept inline;
    /// only a blob shared by several files or places gets a list (a list per blob was ~10 MB of a 50,000-file plan).
    /// </summary>
    private struct PlannedBlob
    {
        public PackedBlob Blob;
        public FilePlan File;
        public long Offset;
        public List<(FilePlan File, long Offset)>? More;
    }

    /// <summary>One file being restored: its handle stays open while blobs arrive and closes after the last.</summary>
    private sealed class FilePlan(string path, ItemMetadata? metadata, long size, int blobCount)
    {
        private readonly Lock _lock = new();
        private SafeFileHandle? _handle;
        private int _remaining = blobCount;
        private bool _opened;

        public string Path { get; } = path;
        /// <summary>The metadata to apply once the file is complete.</summary>
        private ItemMetadata? _metadata = metadata;
        public bool Failed { get; set; }

        /// <summary>A file that is already complete (for hard links to an empty file).</summary>
        public static FilePlan Done(string path) => new(path, null, 0, 0);

        public void Write(ReadOnlySpan<byte> data, long offset, Restorer restorer)
        {
            lock (_lock)
            {
                if (!Failed)
                {
                    try
                    {
                        if (!_opened)
                        {
                            // the first blob creates the file at its full size, so later ones may land anywhere
                            _handle = Posix.OpenWrite(Path, 0x180 /* 0600 */);
                            Posix.Truncate(_handle, size);
                            _opened = true;
                        }
                        RandomAccess.Write(_handle!, data, offset);
                        Interlocked.Add(ref restorer.Statistics.BytesDone, data.Length);
                    }
                    catch (IOException e)
                    {
                        Failed = true;
                        restorer.Fail(Path, e);
                    }
                }
            }
            BlobDone(restorer);
        }

        public void BlobDone(Restorer restorer)
        {
            lock (_lock)
            {
                if (--_remaining > 0) return;
                _handle?.Dispose();
                _handle = null;
                if (!Failed && _metadata is { } m) restorer.ApplyMetadata(Path, m);
                _metadata = null;
                Interlocked.Increment(ref restorer.Statistics.FilesDone);
            }
        }

        public void Close()
        {
            lock (_lock)
            {
                _handle?.Dispose();
                _handle = null;
            }
        }
    }
}
