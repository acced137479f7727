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
/// </summary>
internal sealed class RestorePlanner : ITreeVisitor
{
    private readonly Repository.Repository _repository;
    private readonly RestorePlan _plan;
    private readonly RestoreFilter _filter;
    private readonly MetadataWriter _metadata;
    private readonly ItemFailures _failures;
    private readonly RestoreStatistics _statistics;
    private readonly bool _dryRun;
    // the plan's root, opened (null in a dry run): everything is created and removed below it without following a
    // symlink, so that a directory swapped for one while the restore runs is refused instead of followed outside
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _root;
    // the directories the walk is in, innermost last; the first is the plan's directory 0
    private readonly List<OpenDirectory> _open = [];
    private readonly Dictionary<(ulong, ulong), int> _hardLinks = [];

    public RestorePlanner(Repository.Repository repository, RestorePlan plan, RestoreFilter filter, MetadataWriter metadata,
        ItemFailures failures, RestoreStatistics statistics, bool dryRun, Microsoft.Win32.SafeHandles.SafeFileHandle? root)
    {
        _root = root;
        _repository = repository;
        _plan = plan;
        _filter = filter;
        _metadata = metadata;
        _failures = failures;
        _statistics = statistics;
        _dryRun = dryRun;
    }

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
    }

    /// <summary>Plans the items of the tree <paramref name="rootTree"/> into the root; throws when that tree cannot be loaded.</summary>
    public async Task PlanTreeAsync(Id rootTree, bool freshRoot, CancellationToken cancellationToken)
    {
        _open.Add(new OpenDirectory(0, _plan.Root, "", freshRoot, insideSelected: false, selected: false, node: null));
        await new TreeWalker(_repository).WalkAsync(rootTree, "", this, cancellationToken).ConfigureAwait(false);
        CloseDirectories(keep: 1);
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
        var parentLocation = entry.ParentPath;
        // depth first: an item whose parent is not the innermost open directory means the walk has left that one
        while (_open.Count > 1 && !ReferenceEquals(_open[^1].Location, parentLocation) && _open[^1].Location != parentLocation) CloseInnermost();
        var parent = _open[^1];
        if (!PlanEntry(entry.Node, entry.Node.Name, entry.Path, parent, entry.ParentTree)) return ValueTask.FromResult(TreeWalkAction.SkipSubtree);
        if (entry.LoadError is { } error)
        {
            // one damaged directory costs only itself: report it and restore the rest
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
            try
            {
                created = !_dryRun && EnsureDirectory(path, parent.Fresh);
            }
            catch (PosixException e)
            {
                _failures.Report(path, e);
                return false;
            }
            int number = _plan.AddDirectory(parent.Number, name);
            _open.Add(new OpenDirectory(number, path, location, created, parent.InsideSelected || selected, selected, node));
            return true;
        }
        if (!selected) return false;
        parent.Any = true;
        Interlocked.Increment(ref _statistics.TotalFiles);
        if (_dryRun) return false;
        try
        {
            PlanItem(path, parent.Number, name, node, parent.Fresh);
        }
        catch (PosixException e) { _failures.Report(path, e); }
        return false;
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
            _open[^1].Any = true;
            _plan.Directories[dir.Number].Metadata = ItemMetadata.Of(dir.Node!);
            _plan.MetadataOrder.Add(dir.Number);
        }
        else if (!_dryRun)
        {
            try { Posix.RemoveDirectoryBeneath(_root!, _plan.Root, _plan.RelativePath(dir.Path)); } catch (PosixException) { }
        }
    }

    /// <summary>A name from a repository becomes a path component only when it cannot escape the root.</summary>
    private static bool IsSafeName(string name) => FsNames.IsSafeName(name);

    private string Relative(string path) => _plan.RelativePath(path);

    /// <returns>True when the directory was created now (it is empty).</returns>
    private bool EnsureDirectory(string path, bool parentFresh)
    {
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

    private void RemoveExisting(string path, bool parentFresh)
    {
        if (!parentFresh && Posix.TryLStat(path, out var st, out _))
        {
            if (st.IsDirectory) throw new PosixException(Errno.EISDIR, "restore", path);
            Posix.UnlinkBeneath(_root!, _plan.Root, Relative(path));
        }
    }

    private void PlanItem(string path, int dir, string name, Node node, bool fresh)
    {
        switch (node.Type)
        {
            case NodeType.File:
                if (node.Links > 1 && _hardLinks.TryGetValue((node.DeviceId, node.Inode), out int original))
                {
                    RemoveExisting(path, fresh);
                    _plan.Links.Add((dir, name, original));
                    Interlocked.Increment(ref _statistics.FilesDone);
                    return;
                }
                PlanFile(path, dir, name, node, fresh);
                break;
            case NodeType.Symlink:
                RemoveExisting(path, fresh);
                Posix.SymlinkBeneath(node.LinkTarget ?? "", _root!, _plan.Root, Relative(path));
                _metadata.ApplyToItem(_root!, _plan.Root, Relative(path), path, ItemMetadata.Of(node), node.Type);
                Interlocked.Increment(ref _statistics.FilesDone);
                break;
            case NodeType.Fifo:
                RemoveExisting(path, fresh);
                Posix.MakeNodeBeneath(_root!, _plan.Root, Relative(path), 0x1000 /* S_IFIFO */ | 0x180 /* 0600 */, 0);
                _metadata.ApplyToItem(_root!, _plan.Root, Relative(path), path, ItemMetadata.Of(node), node.Type);
                Interlocked.Increment(ref _statistics.FilesDone);
                break;
            case NodeType.Dev:
            case NodeType.CharDev:
                RemoveExisting(path, fresh);
                Posix.MakeNodeBeneath(_root!, _plan.Root, Relative(path), (node.Type == NodeType.Dev ? 0x6000u : 0x2000u) | 0x180 /* 0600 */, node.Device);
                _metadata.ApplyToItem(_root!, _plan.Root, Relative(path), path, ItemMetadata.Of(node), node.Type);
                Interlocked.Increment(ref _statistics.FilesDone);
                break;
            case NodeType.Socket:
                // restic does not restore sockets either: a socket only means something to its live process.
                break;
            default:
                _failures.Report(path, new InvalidDataException($"unknown node type \"{node.Type}\""));
                break;
        }
    }

    private void PlanFile(string path, int dir, string name, Node node, bool fresh)
    {
        RemoveExisting(path, fresh);
        var content = node.Content ?? [];
        Interlocked.Add(ref _statistics.TotalBytes, (long)node.Size);
        if (content.Count == 0)
        {
            // Files with content are created on their first write; an empty one (or an all-hole one) now.
            using (var handle = Posix.OpenWriteBeneath(_root!, _plan.Root, Relative(path), 0x180 /* 0600 */))
            {
                if (node.Size > 0) Posix.Truncate(handle, (long)node.Size);
                _metadata.Apply(handle, path, ItemMetadata.Of(node));
            }
            // a hard link to an empty file needs only its path: an entry already complete
            if (node.Links > 1) _hardLinks[(node.DeviceId, node.Inode)] = _plan.Files.Add(new PlannedFile { Dir = dir, Name = name });
            Interlocked.Increment(ref _statistics.FilesDone);
            return;
        }
        int file = _plan.Files.Add(new PlannedFile { Dir = dir, Name = name, Metadata = ItemMetadata.Of(node), Size = (long)node.Size, Remaining = content.Count });
        if (node.Links > 1) _hardLinks[(node.DeviceId, node.Inode)] = file;
        long offset = 0;
        foreach (var blobId in content)
        {
            if (!_repository.Index.TryLookup(BlobType.Data, blobId, out var location))
            {
                _plan.Files[file].Failed = true;
                _failures.Report(path, new RepositoryException(RepositoryErrorKind.Damaged, $"data blob {blobId} of {path} is not in the index"));
                return;
            }
            if (!_plan.Packs.TryGetValue(location.PackId, out var blobs)) _plan.Packs[location.PackId] = blobs = [];
            blobs.Add(new PlannedBlob { Blob = location.Blob, File = file, Offset = offset });
            offset += location.Blob.IsCompressed ? location.Blob.UncompressedLength : location.Blob.Length - Crypto.CryptoKey.Overhead;
        }
    }
}
