using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// The last touch of every restored item: owner, mode, extended attributes and times. A file's is applied once its
/// content is complete, a directory's after everything inside it (children first, so that its times hold).
/// </summary>
internal sealed class MetadataWriter(bool restoreOwnership, ItemFailures failures)
{
    /// <summary>By path (the final component never followed): where restore has no handle (no openat2 here).</summary>
    public void Apply(string path, in ItemMetadata metadata) => Apply(null, path, metadata);

    /// <summary>
    /// Through <paramref name="handle"/> when there is one (<paramref name="path"/> then only names it in errors): what
    /// the handle was opened on is what gets the metadata, even when a directory on its path was since swapped for a
    /// symlink to elsewhere.
    /// </summary>
    public void Apply(Microsoft.Win32.SafeHandles.SafeFileHandle? handle, string path, in ItemMetadata metadata)
    {
        try
        {
            if (restoreOwnership)
            {
                if (handle is null) Posix.LChown(path, metadata.Uid, metadata.Gid);
                else Posix.FChown(handle, path, metadata.Uid, metadata.Gid);
            }
            if (!metadata.IsSymlink)
            {
                uint mode = GoFileMode.ToPosixPermissions(metadata.Mode);
                if (handle is null) Posix.Chmod(path, mode);
                else Posix.FChmod(handle, path, mode);
            }
            if (metadata.ExtendedAttributes is { } xattrs)
                foreach (var x in xattrs)
                {
                    try
                    {
                        if (handle is null) Posix.SetXattr(path, x.Name, x.Value);
                        else Posix.FSetXattr(handle, path, x.Name, x.Value);
                    }
                    catch (PosixException e) when (e.Errno is Errno.ENOTSUP or Errno.EPERM) { /* not every file system takes every namespace */ }
                }
            if (handle is null) Posix.SetTimes(path, ToTimespec(metadata.AccessTime), ToTimespec(metadata.ModTime));
            else Posix.FSetTimes(handle, path, ToTimespec(metadata.AccessTime), ToTimespec(metadata.ModTime));
        }
        catch (PosixException e)
        {
            failures.Report(path, e);
        }
    }

    /// <summary>
    /// A symlink's, fifo's or device's metadata through an O_PATH handle of the item itself, opened below
    /// <paramref name="root"/> without following a symlink: what gets them is the item restore just created, even when
    /// a directory on its path was since swapped for a symlink to elsewhere. An item of another type by then (swapped
    /// in its turn) gets nothing and is reported. Without openat2, by path as before (the final component never followed).
    /// </summary>
    public void ApplyToItem(Microsoft.Win32.SafeHandles.SafeFileHandle root, string rootPath, string relativePath, string path, in ItemMetadata metadata, string type)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle? handle;
        try
        {
            handle = Posix.OpenItemBeneath(root, rootPath, relativePath);
        }
        catch (PosixException e)
        {
            failures.Report(path, e);
            return;
        }
        if (handle is null)
        {
            Apply(path, metadata);
            return;
        }
        using (handle)
        {
            try
            {
                var status = Posix.FStat(handle);
                bool expected = type switch
                {
                    NodeType.Symlink => status.IsSymlink,
                    NodeType.Fifo => status.IsFifo,
                    NodeType.Dev => status.IsBlockDevice,
                    NodeType.CharDev => status.IsCharDevice,
                    _ => false,
                };
                if (!expected) throw new IOException($"{path} was replaced while the restore ran: it is not the {type} restore created; its metadata was not set");
                if (restoreOwnership) Posix.ChownItem(handle, path, metadata.Uid, metadata.Gid);
                if (!metadata.IsSymlink) Posix.ChmodItem(handle, path, GoFileMode.ToPosixPermissions(metadata.Mode));
                if (metadata.ExtendedAttributes is { } xattrs)
                    foreach (var x in xattrs)
                    {
                        try
                        {
                            // a symlink's own attributes (trusted.*, security.*: user.* is refused on them), through its parent
                            if (metadata.IsSymlink) Posix.SetSymlinkXattrBeneath(root, rootPath, relativePath, x.Name, x.Value);
                            else Posix.SetItemXattr(handle, path, x.Name, x.Value);
                        }
                        catch (PosixException e) when (e.Errno is Errno.ENOTSUP or Errno.EPERM) { /* not every file system takes every namespace */ }
                    }
                Posix.SetItemTimes(handle, path, ToTimespec(metadata.AccessTime), ToTimespec(metadata.ModTime));
            }
            catch (Exception e) when (e is PosixException or IOException)
            {
                failures.Report(path, e);
            }
        }
    }

    /// <summary>
    /// The planned directories' metadata, every directory after all of its children (whose own metadata must not need
    /// a parent that can no longer be entered), as the plan's order has them. Nothing done to a directory changes
    /// another's times, so the directories of one depth go in parallel, the deepest first: a Plex-sized restore has
    /// hundreds of thousands, each a few system calls. Each is opened below <paramref name="root"/> without following
    /// a symlink, so a directory swapped for one is refused.
    /// </summary>
    public void ApplyToDirectories(RestorePlan plan, Microsoft.Win32.SafeHandles.SafeFileHandle root)
    {
        var order = plan.MetadataOrder;
        if (order.Count < ParallelDirectories || Environment.ProcessorCount < 2)
        {
            foreach (var dir in order) ApplyToDirectory(plan, root, dir);
            return;
        }
        // by depth (directory 0, the root, is never among them): each level after the levels below it
        var levels = new List<List<int>>();
        foreach (var dir in order)
        {
            int depth = 0;
            for (int d = dir; d != 0; d = plan.Directories[d].Parent) depth++;
            while (levels.Count < depth) levels.Add([]);
            levels[depth - 1].Add(dir);
        }
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        for (int level = levels.Count - 1; level >= 0; level--)
        {
            var dirs = levels[level];
            if (dirs.Count < ParallelDirectories) foreach (var dir in dirs) ApplyToDirectory(plan, root, dir);
            else Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, dirs.Count, 256), parallel, range =>
            {
                for (int i = range.Item1; i < range.Item2; i++) ApplyToDirectory(plan, root, dirs[i]);
            });
        }
    }

    // fewer directories than this (of a plan, or of one depth) are not worth the threads
    private const int ParallelDirectories = 1024;

    private void ApplyToDirectory(RestorePlan plan, Microsoft.Win32.SafeHandles.SafeFileHandle root, int dir)
    {
        var path = plan.DirectoryPath(dir);
        try
        {
            using var handle = Posix.OpenDirectoryBeneath(root, plan.Root, plan.RelativePath(path));
            Apply(handle, path, plan.Directories[dir].Metadata);
        }
        catch (PosixException e)
        {
            failures.Report(path, e);
        }
    }

    private static Timespec ToTimespec(GoTime t) => new(t.UnixSeconds, t.Nanoseconds);
}
