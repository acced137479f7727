using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// The last touch of every restored item: owner, mode, extended attributes and times. A file's is applied once its
/// content is complete, a directory's after everything inside it (children first, so that its times hold).
/// </summary>
internal sealed class MetadataWriter(bool restoreOwnership, ItemFailures failures)
{
    public void Apply(string path, in ItemMetadata metadata)
    {
        try
        {
            if (restoreOwnership) Posix.LChown(path, metadata.Uid, metadata.Gid);
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
            failures.Report(path, e);
        }
    }

    /// <summary>The planned directories' metadata, in the plan's order: children were added before their parents.</summary>
    public void ApplyToDirectories(RestorePlan plan)
    {
        foreach (var dir in plan.MetadataOrder) Apply(plan.DirectoryPath(dir), plan.Directories[dir].Metadata);
    }

    private static Timespec ToTimespec(GoTime t) => new(t.UnixSeconds, t.Nanoseconds);
}
