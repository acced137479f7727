namespace Lifeboat.Engine.Platform;

/// <summary>Operations on whole directory trees, by byte-exact names (a snapshot's names need not be UTF-8).</summary>
public static class FileTrees
{
    /// <summary>
    /// rm -rf: removes the path and everything below it, not following symbolic links; a directory without
    /// u+rwx gets it first (a restored tree may hold 0500 directories, which only root could empty otherwise).
    /// A path that does not exist is not an error.
    /// </summary>
    public static void Remove(string path) => RemoveOneByOne(path);

    /// <summary>
    /// <see cref="Remove(string)"/> by up to <paramref name="parallelism"/> threads: a directory's entries are unlinked by
    /// the threads together (so a single flat directory, a trash, is spread over them), then its subdirectories are
    /// emptied the same way, side by side, and each removed once empty.
    /// Each unlink waits for the file system to free a file: a restore's trash or a verify's scratch copy of a
    /// 100,000-file library took minutes one at a time. A file is unlinked without a look first (a directory refuses
    /// with EISDIR and is then entered), so each costs one call. Only the directories being emptied are held, with
    /// their names: listing the tree level by level held every directory's path until the end (about 300 MB for a
    /// million-file library).
    /// </summary>
    public static void Remove(string path, int parallelism)
    {
        if (parallelism <= 1)
        {
            RemoveOneByOne(path);
            return;
        }
        if (!IsDirectoryToEmpty(path, out _)) return;
        Empty(path, new ParallelOptions { MaxDegreeOfParallelism = parallelism });
        Posix.RemoveDirectory(path);
    }

    private static void Empty(string directory, ParallelOptions options)
    {
        var own = Posix.LStat(directory);
        if ((own.Permissions & 0x1C0) != 0x1C0) Posix.Chmod(directory, own.Permissions | 0x1C0);
        var names = Posix.ListDirectory(directory);
        var below = new List<string>();
        if (names.Count < 4)
            foreach (var name in names) UnlinkOrCollect(FsNames.Join(directory, name), below);
        else
            Parallel.ForEach(names, options, name => UnlinkOrCollect(FsNames.Join(directory, name), below));
        if (below.Count == 1)
        {
            Empty(below[0], options);
            Posix.RemoveDirectory(below[0]);
        }
        else if (below.Count > 1)
            Parallel.ForEach(below, options, subdirectory =>
            {
                Empty(subdirectory, options);
                Posix.RemoveDirectory(subdirectory);
            });
    }

    private static void UnlinkOrCollect(string entry, List<string> directories)
    {
        try
        {
            Posix.Unlink(entry);
        }
        catch (PosixException e) when (e.Errno is Errno.EISDIR or Errno.EPERM && IsDirectory(entry))
        {
            lock (directories) directories.Add(entry);
        }
        catch (PosixException e) when (e.Errno == Errno.ENOENT)
        {
        }
    }

    /// <summary>True when <paramref name="path"/> is a directory (its lstat in <paramref name="status"/>); anything else is
    /// unlinked, and a path that is gone already is fine.</summary>
    private static bool IsDirectoryToEmpty(string path, out FileStatus status)
    {
        if (!Posix.TryLStat(path, out status, out int errno))
        {
            if (errno == Errno.ENOENT) return false;
            throw new PosixException(errno, "lstat", path);
        }
        if (status.IsDirectory) return true;
        Posix.Unlink(path);
        return false;
    }

    private static bool IsDirectory(string path) => Posix.TryLStat(path, out var status, out _) && status.IsDirectory;

    private static void RemoveOneByOne(string path)
    {
        if (!IsDirectoryToEmpty(path, out var status)) return;
        if ((status.Permissions & 0x1C0) != 0x1C0) Posix.Chmod(path, status.Permissions | 0x1C0);
        foreach (var name in Posix.ListDirectory(path)) RemoveOneByOne(FsNames.Join(path, name));
        Posix.RemoveDirectory(path);
    }
}
