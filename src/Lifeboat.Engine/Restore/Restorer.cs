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
/// The plan is kept compact, as restic's peak memory is the bar: an item is its parent directory's number plus
/// its name (full paths were 40 of the 68 MB a 50,000-file plan held), files and directories are structs in
/// paged arrays, files share a few striped locks, and a blob shared by several places is found by sorting its
/// pack's list rather than through a dictionary of every blob.
/// </summary>
public sealed class Restorer
{
    // 1 MiB reads cost a few more system calls than 4 MiB ones but hold 3 MiB less per pack in flight
    private const int MaxCoalescedRead = 1024 * 1024;
    private const int LockStripes = 64;
    private const int MaxCoalesceGap = 256 * 1024;

    private readonly Repository.Repository _repo;
    private readonly RestoreOptions _options;
    private readonly IRestoreObserver? _observer;
    private readonly List<PathPattern> _includes;
    private readonly List<PathPattern> _excludes;
    private readonly bool _ownership;
    // the directories above the selected paths, which must be walked into
    private readonly HashSet<string>? _selectedAncestors;

    private string _target = "/";
    // directory 0 is the target; paths are built from these only when a file is opened or an error is reported
    private readonly PagedList<DirEntry> _dirs = new();
    private readonly PagedList<FileEntry> _files = new();
    private readonly Lock[] _fileLocks = CreateLocks();
    private readonly Dictionary<Id, List<PlannedBlob>> _packs = [];
    private readonly SemaphoreSlim _treeSlots = new(8);
    // directory numbers, children before their parents
    private readonly List<int> _metadataOrder = [];
    private readonly Dictionary<(ulong, ulong), int> _hardLinks = [];
    private readonly List<(int Dir, string Name, int Original)> _links = [];
    // per-pack read and plaintext buffers, reused by the next pack
    private readonly System.Collections.Concurrent.ConcurrentBag<Scratch> _scratch = [];

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

    private int PackConcurrency
    {
        get
        {
            if (_options.PackConcurrency is { } n) return Math.Max(1, n);
            int cpu = Math.Max(2, Environment.ProcessorCount + 1);
            return _repo.IsLocal ? cpu : Math.Max(cpu, 2 * _repo.StorageConnections);
        }
    }

    /// <summary>Restores the tree <paramref name="rootTree"/> (a snapshot's root, or a subfolder's tree) into the target.</summary>
    public async Task RunAsync(Id rootTree, CancellationToken cancellationToken)
    {
        var target = _options.Target.TrimEnd('/');
        if (target.Length == 0) target = "/";
        _target = target;
        _dirs.Add(new DirEntry { Parent = -1, Name = "" });
        bool freshTarget = !Posix.TryLStat(target, out _, out _);
        if (!_options.DryRun) Posix.MakeDirectories(target, 0x1C0 /* 0700 */);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await PlanDirectoryAsync(rootTree, LoadTreeAsync(rootTree, cancellationToken), target, 0, "", freshTarget, cancellationToken).ConfigureAwait(false);
        Statistics.PlanTime = clock.Elapsed;
        if (_options.DryRun) return;

        await Parallel.ForEachAsync(_packs, new ParallelOptions { MaxDegreeOfParallelism = PackConcurrency, CancellationToken = cancellationToken },
            async (pack, ct) =>
            {
                await RestorePackAsync(pack.Key, pack.Value, ct).ConfigureAwait(false);
                // done with this pack: its plan need not stay in memory
                pack.Value.Clear();
                pack.Value.TrimExcess();
            }).ConfigureAwait(false);
        _scratch.Clear();

        for (int i = 0; i < _files.Count; i++) CloseFile(i);
        Statistics.ContentTime = clock.Elapsed - Statistics.PlanTime;
        foreach (var (dir, name, original) in _links)
        {
            var path = FsNames.Join(DirPath(dir), name);
            try
            {
                if (_files[original].Failed)
                {
                    Fail(path, new InvalidDataException($"not restored: it is a hard link to {FilePath(original)}, which could not be restored"));
                    continue;
                }
                Posix.Link(FilePath(original), path);
            }
            catch (PosixException e) { Fail(path, e); }
        }
        // children were added before their directories, so this order applies directory times last
        foreach (var dir in _metadataOrder) ApplyMetadata(DirPath(dir), _dirs[dir].Metadata);
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
    private async Task<bool> PlanDirectoryAsync(Id treeId, Task<Tree> treeLoad, string directory, int dirNumber, string location, bool fresh, CancellationToken cancellationToken, bool wholeSelected = false)
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
                int subNumber = _dirs.Add(new DirEntry { Parent = dirNumber, Name = node.Name });
                bool inner = await PlanDirectoryAsync(node.Subtree.Value, subtreeLoad, path, subNumber, itemLocation, created, cancellationToken, wholeSelected || selected).ConfigureAwait(false);
                if (selected || inner)
                {
                    any = true;
                    _dirs[subNumber].Metadata = ItemMetadata.Of(node);
                    _metadataOrder.Add(subNumber);
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
                PlanItem(path, dirNumber, node, fresh);
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

    private void PlanItem(string path, int dir, Node node, bool fresh)
    {
        switch (node.Type)
        {
            case NodeType.File:
                if (node.Links > 1 && _hardLinks.TryGetValue((node.DeviceId, node.Inode), out int original))
                {
                    RemoveExisting(path, fresh);
                    _links.Add((dir, node.Name, original));
                    Interlocked.Increment(ref Statistics.FilesDone);
                    return;
                }
                PlanFile(path, dir, node, fresh);
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

    private void PlanFile(string path, int dir, Node node, bool fresh)
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
            // a hard link to an empty file needs only its path: an entry already complete
            if (node.Links > 1) _hardLinks[(node.DeviceId, node.Inode)] = _files.Add(new FileEntry { Dir = dir, Name = node.Name });
            Interlocked.Increment(ref Statistics.FilesDone);
            return;
        }
        int file = _files.Add(new FileEntry { Dir = dir, Name = node.Name, Metadata = ItemMetadata.Of(node), Size = (long)node.Size, Remaining = content.Count });
        if (node.Links > 1) _hardLinks[(node.DeviceId, node.Inode)] = file;
        long offset = 0;
        foreach (var blobId in content)
        {
            if (!_repo.Index.TryLookup(BlobType.Data, blobId, out var location))
            {
                _files[file].Failed = true;
                Fail(path, new RepositoryException(RepositoryErrorKind.Damaged, $"data blob {blobId} of {path} is not in the index"));
                return;
            }
            // a blob that several places need is listed once for each; they sort next to each other and it is decoded once
            if (!_packs.TryGetValue(location.PackId, out var blobs)) _packs[location.PackId] = blobs = [];
            blobs.Add(new PlannedBlob { Blob = location.Blob, File = file, Offset = offset });
            offset += location.Blob.IsCompressed ? location.Blob.UncompressedLength : location.Blob.Length - Crypto.CryptoKey.Overhead;
        }
    }

    private async Task RestorePackAsync(Id packId, List<PlannedBlob> blobs, CancellationToken cancellationToken)
    {
        blobs.Sort(static (a, b) => a.Blob.Offset.CompareTo(b.Blob.Offset));
        if (!_scratch.TryTake(out var scratch)) scratch = new Scratch();
        try
        {
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
                var buffer = Scratch.Ensure(ref scratch.Read, length);
                try
                {
                    await _repo.ReadPackAsync(packId, start, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException)
                {
                    var error = e is Storage.BackendFileNotFoundException
                        ? new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} is missing")
                        : new RepositoryException(RepositoryErrorKind.Damaged, $"pack {packId} cannot be read: {e.Message}", e);
                    for (int k = i; k < j; k++) FailTarget(blobs[k].File, error);
                    i = j;
                    continue;
                }
                for (int k = i; k < j;)
                {
                    var blob = blobs[k].Blob;
                    // the same blob wanted by several places: decode once, write to each
                    int next = k + 1;
                    while (next < j && blobs[next].Blob.Offset == blob.Offset && blobs[next].Blob.Id == blob.Id) next++;
                    int plainLength = (int)(blob.IsCompressed ? blob.UncompressedLength : blob.Length - Crypto.CryptoKey.Overhead);
                    var plain = Scratch.Ensure(ref scratch.Plain, plainLength);
                    try
                    {
                        _repo.DecodeBlob(packId, blob, buffer.AsSpan((int)(blob.Offset - start), (int)blob.Length), plain.AsSpan(0, plainLength));
                    }
                    catch (RepositoryException e)
                    {
                        for (; k < next; k++) FailTarget(blobs[k].File, e);
                        continue;
                    }
                    for (; k < next; k++) Write(blobs[k].File, plain.AsSpan(0, plainLength), blobs[k].Offset);
                }
                i = j;
            }
        }
        finally
        {
            scratch.Trim();
            _scratch.Add(scratch);
        }
    }

    private string DirPath(int dir)
    {
        if (dir == 0) return _target;
        // the target "/" contributes only the leading slash of its first child
        int prefix = _target == "/" ? 0 : _target.Length;
        int length = prefix;
        for (int d = dir; d != 0; d = _dirs[d].Parent) length += 1 + _dirs[d].Name.Length;
        return string.Create(length, (this, dir, prefix), static (span, state) =>
        {
            var (self, d, prefix) = state;
            int end = span.Length;
            for (; d != 0; d = self._dirs[d].Parent)
            {
                var name = self._dirs[d].Name;
                end -= name.Length;
                name.CopyTo(span[end..]);
                span[--end] = '/';
            }
            self._target.AsSpan(0, prefix).CopyTo(span);
        });
    }

    private string FilePath(int file) => FsNames.Join(DirPath(_files[file].Dir), _files[file].Name);

    private Lock FileLock(int file) => _fileLocks[file & (LockStripes - 1)];

    private static Lock[] CreateLocks()
    {
        var locks = new Lock[LockStripes];
        for (int i = 0; i < locks.Length; i++) locks[i] = new Lock();
        return locks;
    }

    private void Write(int file, ReadOnlySpan<byte> data, long offset)
    {
        lock (FileLock(file))
        {
            ref var f = ref _files[file];
            if (!f.Failed)
            {
                try
                {
                    if (!f.Opened)
                    {
                        // the first blob creates the file at its full size, so later ones may land anywhere
                        f.Handle = Posix.OpenWrite(FilePath(file), 0x180 /* 0600 */);
                        Posix.Truncate(f.Handle, f.Size);
                        f.Opened = true;
                    }
                    RandomAccess.Write(f.Handle!, data, offset);
                    Interlocked.Add(ref Statistics.BytesDone, data.Length);
                }
                catch (IOException e)
                {
                    f.Failed = true;
                    Fail(FilePath(file), e);
                }
            }
        }
        BlobDone(file);
    }

    private void BlobDone(int file)
    {
        lock (FileLock(file))
        {
            ref var f = ref _files[file];
            if (--f.Remaining > 0) return;
            f.Handle?.Dispose();
            f.Handle = null;
            if (!f.Failed && f.Metadata is { } m) ApplyMetadata(FilePath(file), m);
            f.Metadata = null;
            Interlocked.Increment(ref Statistics.FilesDone);
        }
    }

    private void FailTarget(int file, Exception error)
    {
        bool report;
        lock (FileLock(file))
        {
            ref var f = ref _files[file];
            report = !f.Failed;
            f.Failed = true;
        }
        if (report) Fail(FilePath(file), error);
        BlobDone(file);
    }

    private void CloseFile(int file)
    {
        lock (FileLock(file))
        {
            ref var f = ref _files[file];
            f.Handle?.Dispose();
            f.Handle = null;
        }
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

    /// <summary>One place a blob's plaintext goes: a blob several places need is listed once for each.</summary>
    private struct PlannedBlob
    {
        public PackedBlob Blob;
        public long Offset;
        public int File;
    }

    private struct DirEntry
    {
        public int Parent;
        public string Name;
        /// <summary>Applied after everything inside is restored.</summary>
        public ItemMetadata Metadata;
    }

    /// <summary>One file being restored: its handle stays open while blobs arrive and closes after the last.</summary>
    private struct FileEntry
    {
        public int Dir;
        public string Name;
        /// <summary>The metadata to apply once the file is complete; null for an entry complete when planned.</summary>
        public ItemMetadata? Metadata;
        public long Size;
        public int Remaining;
        public bool Opened;
        public bool Failed;
        public SafeFileHandle? Handle;
    }

    /// <summary>A pack worker's buffers, reused from pack to pack; one big blob's worth is let go after its pack.</summary>
    private sealed class Scratch
    {
        private const int Keep = 2 * 1024 * 1024;
        public byte[] Read = [];
        public byte[] Plain = [];

        public static byte[] Ensure(ref byte[] buffer, int length)
        {
            // whole 64 KiB steps, so that a run of slightly growing blobs does not allocate for each
            if (buffer.Length < length) buffer = GC.AllocateUninitializedArray<byte>(Math.Max(64 * 1024, (length + 0xFFFF) & ~0xFFFF));
            return buffer;
        }

        public void Trim()
        {
            if (Read.Length > Keep) Read = [];
            if (Plain.Length > Keep) Plain = [];
        }
    }
}
