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
                            // a symlink's own attributes (trusted.*, security.*: user.* is refused on them) only by path
                            if (metadata.IsSymlink) Posix.SetXattr(path, x.Name, x.Value);
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
    /// The planned directories' metadata, in the plan's order: children were added before their parents. Each directory
    /// is opened below <paramref name="root"/> without following a symlink, so a directory swapped for one is refused.
    /// </summary>
    public void ApplyToDirectories(RestorePlan plan, Microsoft.Win32.SafeHandles.SafeFileHandle root)
    {
        foreach (var dir in plan.MetadataOrder)
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
    }

    private static Timespec ToTimespec(GoTime t) => new(t.UnixSeconds, t.Nanoseconds);
}
