using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// The last touch of every restored item: owner, mode, extended attributes and times. A file's is applied once its
/// content is complete, a directory's after everything inside it (children first, so that its times hold).
/// </summary>
internal sealed class MetadataWriter(bool restoreOwnership, ItemFailures failures)
{
    /// <summary>By path (the final component never followed): for what restore has no handle of, symlinks and special files.</summary>
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
