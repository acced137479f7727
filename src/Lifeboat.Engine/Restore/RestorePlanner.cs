using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Trees;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// Walks a snapshot's tree with the engine's <see cref="TreeWalker"/> (which loads the next subtrees ahead, so planning
/// rarely waits on the repository), applies the filter, and turns what is selected into a <see cref="RestorePlan"/>:
/// directories and special files are created on the way, each file's content is planned by pack. A directory with
/// nothing selected inside is removed again once the walk has left it. Names are checked so that nothing is ever
/// written outside the root. Planning is sequential: it decides the order metadata is applied in.
/// An item already in the target is kept, compared or replaced as <see cref="RestoreOverwrite"/> says (a file that
/// differs only in places gets only those blobs); with <see cref="RestoreOptions.Delete"/>, what a restored directory
/// holds beside the snapshot's items is removed as the walk leaves it.
/// </summary>
internal sealed class RestorePlanner : ITreeVisitor, IDisposable
{
    private readonly Repository.Repository _repository;
    private readonly RestorePlan _plan;
    private readonly RestoreFilter _filter;
    private readonly MetadataWriter _metadata;
    private readonly ItemFailures _failures;
    private readonly RestoreStatistics _statistics;
    private readonly bool _dryRun;
    private readonly RestoreOverwrite _overwrite;
    private readonly bool _delete;
    private readonly ExistingFileComparer _comparer;
    // the plan's root, opened (null in a dry run): everything is created and removed below it without following a
    // symlink, so that a directory swapped for one while the restore runs is refused instead of followed outside
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _root;
    // the directories the walk is in, innermost last; the first is the plan's directory 0
    private readonly List<OpenDirectory> _open = [];
    private readonly Dictionary<(ulong, ulong), int> _hardLinks = [];
    // directories below one this restore created are made (and empty ones removed) beside the walk; null in a dry run
    private readonly DirectoryCreator? _creator;
    private readonly Maintenance.GarbagePacer _pacer = new();

    public RestorePlanner(Repository.Repository repository, RestorePlan plan, RestoreFilter filter, MetadataWriter metadata,
        ItemFailures failures, RestoreStatistics statistics, bool dryRun, Microsoft.Win32.SafeHandles.SafeFileHandle? root,
        RestoreOverwrite overwrite = RestoreOverwrite.Always, bool delete = false)
    {
        _overwrite = overwrite;
        _delete = delete;
        _comparer = new ExistingFileComparer(repository);
        _root = root;
        _repository = repository;
        _plan = plan;
        _filter = filter;
        _metadata = metadata;
        _failures = failures;
        _statistics = statistics;
        _dryRun = dryRun;
        if (!dryRun && root is not null) _creator = new DirectoryCreator(root, plan, failures);
    }

    /// <summary>
    /// Content planned beyond this many bytes goes to the content stage (<see cref="StreamContentTo"/>) while the walk
    /// goes on, instead of waiting for the whole plan: a million-file restore spent 46 of its 117 s planning before
    /// the first pack was read. A pack some of whose blobs are planned in a later batch is read again for those (a
    /// fresh backup's packs hold neighbouring files, so few are).
    /// </summary>
    internal const long BatchBytes = 64L << 20;

    private Action<Dictionary<Id, List<PlannedBlob>>>? _contentSink;
    private long _batchLimit = BatchBytes;
    private long _batchBytes;
    // the first file planned since the last hand-off
    private int _batchFirstFile;

    /// <summary>
    /// Hands the packs planned to <paramref name="sink"/> a batch at a time as planning goes, each once the directories
    /// its files go into are made; the last batch at <see cref="Finish"/>. Without it everything stays in the plan.
    /// </summary>
    public void StreamContentTo(Action<Dictionary<Id, List<PlannedBlob>>> sink, long batchBytes = BatchBytes)
    {
        _contentSink = sink;
        _batchLimit = Math.Max(1, batchBytes);
    }

    /// <summary>
    /// The plan is complete once every directory it names is made: waits for that, leaves out of the later stages
    /// what was planned inside a directory that could not be made (reported once, as that directory), and hands over
    /// the last batch.
    /// </summary>
    public void Finish()
    {
        if (_contentSink is not null) HandOff();
        else
        {
            _creator?.Drain();
            FailFilesInFailedDirectories();
        }
        if (_creator is not { AnyFailed: true }) return;
        _plan.MetadataOrder.RemoveAll(_creator.IsFailed);
        _plan.Links.RemoveAll(link => _creator.IsFailed(link.Dir));
    }

    private void HandOff()
    {
        // the creator is idle from here until the walk asks for another directory, so its failures can be read
        _creator?.Drain();
        FailFilesInFailedDirectories();
        _batchBytes = 0;
        var packs = _plan.TakePacks();
        if (packs.Count > 0) _contentSink!(packs);
    }

    /// <summary>Files planned since the last hand-off into a directory that could not be made take no writes.</summary>
    private void FailFilesInFailedDirectories()
    {
        if (_creator is { AnyFailed: true })
            for (int file = _batchFirstFile; file < _plan.Files.Count; file++)
                if (_creator.IsFailed(_plan.Files[file].Dir)) _plan.Files[file].Failed = true;
        _batchFirstFile = _plan.Files.Count;
    }

    public void Dispose() => _creator?.Dispose();

    /// <summary>Before the planner's own use of the file system: the directories asked for so far are there.</summary>
    private void Settle() => _creator?.Drain();

    /// <summary>One directory the walk is inside, until the walk leaves it.</summary>
    private sealed class OpenDirectory(int number, string path, string location, bool fresh, bool insideSelected, bool selected, Node? node)
    {
        public int Number { get; } = number;
        public string Path { get; } = path;
        /// <summary>Its location in the snapshot, as the walk's entries name their parent.</summary>
        public string Location { get; } = location;
        /// <summary>Created by this restore, so nothing in it needs to be replaced.</summary>
        public bool Fresh { get; } = fresh;
        /// <summary>It or a directory above it was selected.</summary>
        public bool InsideSelected { get; } = insideSelected;
        public bool Selected { get; } = selected;
        public Node? Node { get; } = node;
        /// <summary>Something inside was selected, so the directory stays.</summary>
        public bool Any { get; set; }
        /// <summary>With --delete: the names its tree holds (selected or not), which are never deleted; null for none to delete.</summary>
        public HashSet<string>? Names { get; set; }
    }

    /// <summary>Plans the items of the tree <paramref name="rootTree"/> into the root; throws when that tree cannot be loaded.</summary>
    public async Task PlanTreeAsync(Id rootTree, bool freshRoot, CancellationToken cancellationToken)
    {
        var root = new OpenDirectory(0, _plan.Root, "", freshRoot, insideSelected: false, selected: false, node: null) { Names = NewNames() };
        _open.Add(root);
        await new TreeWalker(_repository).WalkAsync(rootTree, "", this, cancellationToken).ConfigureAwait(false);
        CloseDirectories(keep: 1);
        if (root.Any) DeleteUnexpected(root);
    }

    /// <summary>
    /// Plans one node, named <paramref name="name"/> in the root, with everything below it; <paramref name="location"/>
    /// is its path in the snapshot, which the filter sees (and below it, its items' paths).
    /// </summary>
    public async Task PlanNodeAsync(Node node, string name, string location, bool freshRoot, CancellationToken cancellationToken)
    {
        var root = new OpenDirectory(0, _plan.Root, "\0", freshRoot, insideSelected: false, selected: false, node: null);
        _open.Add(root);
        if (PlanEntry(node, name, location, root, null) && node.Subtree is { } subtree)
        {
            Tree tree;
            try
            {
                tree = await _repository.LoadTreeAsync(subtree, cancellationToken).ConfigureAwait(false);
            }
            catch (RepositoryException e)
            {
                // as for any directory below the root: report it, keep the directory
                _failures.Report(_open[^1].Path, e);
                CloseDirectories(keep: 1);
                return;
            }
            await new TreeWalker(_repository).WalkAsync(subtree, tree, location, this, cancellationToken).ConfigureAwait(false);
        }
        CloseDirectories(keep: 1);
    }

    public bool ShouldEnter(in TreeWalkEntry directory)
    {
        // asked when the directory's parent tree is reached: that parent is the innermost open directory
        if (!IsSafeName(directory.Node.Name)) return false;
        bool selected = _filter.Select(directory.Path, isDirectory: true, _open[^1].InsideSelected, out bool childMay);
        return selected || childMay;
    }

    public ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
    {
        _pacer.Tick();
        if (_batchBytes >= _batchLimit && _contentSink is not null) HandOff();
        var parentLocation = entry.ParentPath;
        // depth first: an item whose parent is not the innermost open directory means the walk has left that one
        while (_open.Count > 1 && !ReferenceEquals(_open[^1].Location, parentLocation) && _open[^1].Location != parentLocation) CloseInnermost();
        var parent = _open[^1];
        parent.Names?.Add(entry.Node.Name);
        if (!PlanEntry(entry.Node, entry.Node.Name, entry.Path, parent, entry.ParentTree)) return ValueTask.FromResult(TreeWalkAction.SkipSubtree);
        if (entry.LoadError is { } error)
        {
            // one damaged directory costs only itself: report it and restore the rest (deleting nothing in it: what
            // belongs there is unknown)
            _open[^1].Names = null;
            _failures.Report(_open[^1].Path, error);
            return ValueTask.FromResult(TreeWalkAction.SkipSubtree);
        }
        return ValueTask.FromResult(TreeWalkAction.Continue);
    }

    /// <summary>Plans one item of <paramref name="parent"/>; true for a directory opened for its content.</summary>
    private bool PlanEntry(Node node, string name, string location, OpenDirectory parent, Id? tree)
    {
        if (!IsSafeName(name))
        {
            // as restic: a tree naming an item unsafely turns --delete off for the rest of the restore
            DisableDelete();
            _failures.Report(FsNames.Join(parent.Path, name), new InvalidDataException(tree is { } id
                ? $"tree {id} holds an unsafe name \"{name}\": skipped"
                : $"\"{name}\" is not a name to restore to"));
            return false;
        }
        var path = FsNames.Join(parent.Path, name);
        bool isDirectory = node.Type == NodeType.Dir;
        bool selected = _filter.Select(location, isDirectory, parent.InsideSelected, out bool childMay);
        if (isDirectory)
        {
            if (!selected && !childMay) return false;
            if (node.Subtree is null)
            {
                _failures.Report(path, new InvalidDataException($"directory {location} has no subtree"));
                return false;
            }
            bool created;
            int number;
            if (parent.Fresh && _creator is not null)
            {
                // inside a directory this restore made: nothing is in the way, and the mkdir runs beside the walk
                number = _plan.AddDirectory(parent.Number, name);
                _creator.Make(number, parent.Number, path);
                created = true;
            }
            else
            {
                try
                {
                    created = !_dryRun && EnsureDirectory(path, parent.Fresh);
                }
                catch (PosixException e)
                {
                    _failures.Report(path, e);
                    return false;
                }
                number = _plan.AddDirectory(parent.Number, name);
            }
            _open.Add(new OpenDirectory(number, path, location, created, parent.InsideSelected || selected, selected, node) { Names = NewNames() });
            return true;
        }
        if (!selected) return false;
        parent.Any = true;
        Interlocked.Increment(ref _statistics.TotalFiles);
        try
        {
            PlanItem(path, parent.Number, name, node, parent.Fresh);
        }
        catch (Exception e) when (e is PosixException or IOException) { _failures.Report(path, e); }
        return false;
    }

    private HashSet<string>? NewNames() => _delete && !_deleteDisabled ? new HashSet<string>(StringComparer.Ordinal) : null;

    private bool _deleteDisabled;

    private void DisableDelete()
    {
        _deleteDisabled = true;
        foreach (var dir in _open) dir.Names = null;
    }

    /// <summary>
    /// --delete, as the walk leaves a restored directory: what it holds beside the snapshot's items goes, when the
    /// filters would have selected it (nothing outside a partial restore's selection is touched). Removal goes through
    /// the root handle and never follows a symlink; a dry run only counts.
    /// </summary>
    private void DeleteUnexpected(OpenDirectory dir)
    {
        if (dir.Names is not { } names || _deleteDisabled) return;
        Settle();
        List<string> entries;
        try
        {
            // listed through a handle opened beneath the root, as the removals go: a directory swapped for a symlink
            // is refused, not listed elsewhere (a dry run, which removes nothing, lists by path)
            if (_root is null) entries = Posix.ListDirectory(dir.Path);
            else if (dir.Number == 0) entries = Posix.ListDirectory(_root, dir.Path);
            else
            {
                using var handle = Posix.OpenDirectoryBeneath(_root, _plan.Root, Relative(dir.Path));
                entries = Posix.ListDirectory(handle, dir.Path);
            }
        }
        catch (PosixException e) when (e.Errno is Errno.ENOENT or Errno.ENOTDIR) { return; }
        catch (PosixException e)
        {
            _failures.Report(dir.Path, e);
            return;
        }
        foreach (var entry in entries)
        {
            if (names.Contains(entry) || !IsSafeName(entry)) continue;
            var location = dir.Location + "/" + entry;
            if (!_filter.Select(location, isDirectory: false, dir.InsideSelected, out _)) continue;
            var path = FsNames.Join(dir.Path, entry);
            try
            {
                if (!_dryRun) Posix.RemoveAllBeneath(_root!, _plan.Root, Relative(path));
                Interlocked.Increment(ref _statistics.FilesDeleted);
                _failures.Done(RestoreItemAction.Deleted, path, 0);
            }
            catch (PosixException e) { _failures.Report(path, e); }
        }
    }

    private void CloseDirectories(int keep)
    {
        while (_open.Count > keep) CloseInnermost();
    }

    /// <summary>The walk left this directory: it keeps its metadata for the end, or goes when nothing in it was selected.</summary>
    private void CloseInnermost()
    {
        var dir = _open[^1];
        _open.RemoveAt(_open.Count - 1);
        if (dir.Selected || dir.Any)
        {
            DeleteUnexpected(dir);
            _open[^1].Any = true;
            _plan.Directories[dir.Number].Metadata = ItemMetadata.Of(dir.Node!);
            _plan.MetadataOrder.Add(dir.Number);
        }
        else if (_creator is not null)
        {
            _creator.Remove(dir.Number, dir.Path);
        }
    }

    /// <summary>A name from a repository becomes a path component only when it cannot escape the root.</summary>
    private static bool IsSafeName(string name) => FsNames.IsSafeName(name);

    private string Relative(string path) => _plan.RelativePath(path);

    /// <returns>True when the directory was created now (it is empty).</returns>
    private bool EnsureDirectory(string path, bool parentFresh)
    {
        Settle();
        if (parentFresh)
        {
            try
            {
                Posix.MakeDirectoryBeneath(_root!, _plan.Root, Relative(path), 0x1C0 /* 0700 */);
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
            Posix.UnlinkBeneath(_root!, _plan.Root, Relative(path)); // a file or symlink in the way is replaced, never followed
        }
        Posix.MakeDirectoryBeneath(_root!, _plan.Root, Relative(path), 0x1C0 /* 0700 */);
        return true;
    }

    /// <summary>What is in the way of an item goes: a file or symlink is unlinked, never followed; a directory only with --delete.</summary>
    private void RemoveExisting(string path, in FileStatus existing)
    {
        if (existing.IsDirectory)
        {
            if (!_delete) throw new PosixException(Errno.EISDIR, "restore", path);
            Posix.RemoveAllBeneath(_root!, _plan.Root, Relative(path));
            return;
        }
        Posix.UnlinkBeneath(_root!, _plan.Root, Relative(path));
    }

    /// <summary>restic's shouldOverwrite: whether an item that exists already is replaced (or, for a file, compared).</summary>
    private bool ShouldOverwrite(Node node, in FileStatus existing) => _overwrite switch
    {
        RestoreOverwrite.IfNewer => node.ModTime.UnixNanoseconds > existing.ModTime.Seconds * 1_000_000_000L + existing.ModTime.Nanoseconds,
        RestoreOverwrite.Never => false,
        _ => true,
    };

    private void Skipped(string path, long size)
    {
        // as restic counts: a skipped item is not among the total to restore
        Interlocked.Decrement(ref _statistics.TotalFiles);
        Interlocked.Increment(ref _statistics.FilesSkipped);
        Interlocked.Add(ref _statistics.BytesSkipped, size);
        _failures.Done(RestoreItemAction.Unchanged, path, size);
    }

    private void PlanItem(string path, int dir, string name, Node node, bool fresh)
    {
        // restic does not restore sockets either: a socket only means something to its live process.
        if (node.Type == NodeType.Socket) return;
        // a file with content is only planned here (created by its first blob); everything else touches the directory now
        if (!fresh || node.Type != NodeType.File || node.Content is not { Count: > 0 })
        {
            Settle();
            if (_creator is not null && _creator.IsFailed(dir)) return; // reported as its directory
        }
        FileStatus existing = default;
        bool exists = !fresh && Posix.TryLStat(path, out existing, out _);
        bool secondLink = node.Type == NodeType.File && node.Links > 1 && _hardLinks.ContainsKey((node.DeviceId, node.Inode));
        if (exists && !ShouldOverwrite(node, existing))
        {
            // a hard link's content was counted with its first name
            Skipped(path, secondLink ? 0 : (long)node.Size);
            return;
        }
        if (_dryRun)
        {
            CountDryRun(path, node, exists, existing, secondLink);
            return;
        }
        switch (node.Type)
        {
            case NodeType.File:
                if (secondLink)
                {
                    if (exists) RemoveExisting(path, existing);
                    _plan.Links.Add((dir, name, _hardLinks[(node.DeviceId, node.Inode)]));
                    Interlocked.Increment(ref _statistics.FilesDone);
                    return;
                }
                PlanFile(path, dir, name, node, exists, existing);
                break;
            case NodeType.Symlink:
                if (exists) RemoveExisting(path, existing);
                Posix.SymlinkBeneath(node.LinkTarget ?? "", _root!, _plan.Root, Relative(path));
                _metadata.ApplyToItem(_root!, _plan.Root, Relative(path), path, ItemMetadata.Of(node), node.Type);
                OtherDone(path);
                break;
            case NodeType.Fifo:
                if (exists) RemoveExisting(path, existing);
                Posix.MakeNodeBeneath(_root!, _plan.Root, Relative(path), 0x1000 /* S_IFIFO */ | 0x180 /* 0600 */, 0);
                _metadata.ApplyToItem(_root!, _plan.Root, Relative(path), path, ItemMetadata.Of(node), node.Type);
                OtherDone(path);
                break;
            case NodeType.Dev:
            case NodeType.CharDev:
                if (exists) RemoveExisting(path, existing);
                Posix.MakeNodeBeneath(_root!, _plan.Root, Relative(path), (node.Type == NodeType.Dev ? 0x6000u : 0x2000u) | 0x180 /* 0600 */, node.Device);
                _metadata.ApplyToItem(_root!, _plan.Root, Relative(path), path, ItemMetadata.Of(node), node.Type);
                OtherDone(path);
                break;
            default:
                _failures.Report(path, new InvalidDataException($"unknown node type \"{node.Type}\""));
                break;
        }
    }

    private void OtherDone(string path)
    {
        Interlocked.Increment(ref _statistics.FilesDone);
        _failures.Done(RestoreItemAction.Restored, path, 0);
    }

    /// <summary>A dry run decides as a restore would (reading files that exist to compare them) and counts, writing nothing.</summary>
    private void CountDryRun(string path, Node node, bool exists, in FileStatus existing, bool secondLink)
    {
        var action = RestoreItemAction.Restored;
        long size = 0;
        if (node.Type == NodeType.File && !secondLink)
        {
            size = (long)node.Size;
            if (node.Links > 1) _hardLinks[(node.DeviceId, node.Inode)] = -1;
            if (exists && existing.IsRegularFile)
            {
                var comparison = CompareExisting(() => Posix.OpenRead(path), node);
                if (comparison.Unchanged)
                {
                    Skipped(path, size);
                    return;
                }
                if (comparison.Matches is not null) action = RestoreItemAction.Updated;
            }
            Interlocked.Add(ref _statistics.TotalBytes, size);
            Interlocked.Add(ref _statistics.BytesDone, size);
        }
        Interlocked.Increment(ref _statistics.FilesDone);
        _failures.Done(action, path, size);
    }

    /// <summary>An unreadable file compares as different, so it is replaced whole (restic ignores the error as well).</summary>
    private ExistingFileComparer.Result CompareExisting(Func<Microsoft.Win32.SafeHandles.SafeFileHandle> open, Node node)
    {
        try
        {
            using var handle = open();
            return _comparer.Compare(handle, node, trustModTime: _overwrite == RestoreOverwrite.IfChanged);
        }
        catch (Exception e) when (e is PosixException or IOException or UnauthorizedAccessException)
        {
            return new ExistingFileComparer.Result(false, null);
        }
    }

    private bool CanWrite(string path)
    {
        try
        {
            Posix.OpenWriteBeneath(_root!, _plan.Root, Relative(path), 0x180, truncate: false).Dispose();
            return true;
        }
        catch (PosixException)
        {
            return false;
        }
    }

    private void PlanFile(string path, int dir, string name, Node node, bool exists, in FileStatus existing)
    {
        var content = node.Content ?? [];
        long size = (long)node.Size;
        bool[]? inPlace = null;
        if (exists && existing.IsRegularFile)
        {
            var comparison = CompareExisting(() => Posix.OpenReadBeneath(_root!, _plan.Root, Relative(path)), node);
            if (comparison.Unchanged)
            {
                // the content is there: only the metadata is the snapshot's again (restic's "unchanged")
                using (var handle = Posix.OpenReadBeneath(_root!, _plan.Root, Relative(path)))
                    _metadata.Apply(handle, path, ItemMetadata.Of(node));
                if (node.Links > 1) _hardLinks[(node.DeviceId, node.Inode)] = _plan.Files.Add(new PlannedFile { Dir = dir, Name = name });
                Skipped(path, size);
                return;
            }
            inPlace = comparison.Matches;
            // written in place only when it can be opened for writing (a read-only file is replaced whole, as before)
            if (inPlace is not null && !CanWrite(path)) inPlace = null;
        }
        if (exists && inPlace is null) RemoveExisting(path, existing);
        Interlocked.Add(ref _statistics.TotalBytes, size);
        if (content.Count == 0 || (inPlace is not null && Array.TrueForAll(inPlace, m => m)))
        {
            // Files with content are created on their first write; an empty one (or an all-hole one, or one whose
            // blobs all match but whose length does not) now.
            using (var handle = Posix.OpenWriteBeneath(_root!, _plan.Root, Relative(path), 0x180 /* 0600 */, truncate: inPlace is null))
            {
                Posix.Truncate(handle, size);
                _metadata.Apply(handle, path, ItemMetadata.Of(node));
            }
            Interlocked.Add(ref _statistics.BytesDone, inPlace is null ? 0 : size);
            // a hard link to an empty file needs only its path: an entry already complete
            if (node.Links > 1) _hardLinks[(node.DeviceId, node.Inode)] = _plan.Files.Add(new PlannedFile { Dir = dir, Name = name });
            Interlocked.Increment(ref _statistics.FilesDone);
            _failures.Done(inPlace is null ? RestoreItemAction.Restored : RestoreItemAction.Updated, path, size);
            return;
        }
        int remaining = inPlace is null ? content.Count : Array.FindAll(inPlace, m => !m).Length;
        int file = _plan.Files.Add(new PlannedFile { Dir = dir, Name = name, Metadata = ItemMetadata.Of(node), Size = size, Remaining = remaining, Update = inPlace is not null });
        if (node.Links > 1) _hardLinks[(node.DeviceId, node.Inode)] = file;
        long offset = 0;
        for (int i = 0; i < content.Count; i++)
        {
            var blobId = content[i];
            if (!_repository.Index.TryLookup(BlobType.Data, blobId, out var location))
            {
                _plan.Files[file].Failed = true;
                _failures.Report(path, new RepositoryException(RepositoryErrorKind.Damaged, $"data blob {blobId} of {path} is not in the index"));
                return;
            }
            // the offsets below add up the lengths the index claims: an entry that cannot be true fails the file here
            if (Repository.Repository.CheckClaimedLengths(location.PackId, location.Blob) is { } implausible)
            {
                _plan.Files[file].Failed = true;
                _failures.Report(path, implausible);
                return;
            }
            long length = location.Blob.IsCompressed ? location.Blob.UncompressedLength : location.Blob.Length - Crypto.CryptoKey.Overhead;
            if (inPlace is not null && inPlace[i])
            {
                // already in place: counted as restored, not read again
                Interlocked.Add(ref _statistics.BytesDone, length);
            }
            else
            {
                if (!_plan.Packs.TryGetValue(location.PackId, out var blobs)) _plan.Packs[location.PackId] = blobs = [];
                blobs.Add(new PlannedBlob { Blob = location.Blob, File = file, Offset = offset });
                _batchBytes += length;
            }
            offset += length;
        }
    }
}
