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
    /// <see cref="Remove(string)"/> by up to <paramref name="parallelism"/> threads: level by level, the directories of
    /// one depth are listed, then all their entries unlinked by the threads together; the directories are removed
    /// deepest first.
    /// Each unlink waits for the file system to free a file: a restore's trash or a verify's scratch copy of a
    /// 100,000-file library took minutes one at a time. A file is unlinked without a look first (a directory refuses
    /// with EISDIR and is then entered), so each costs one call.
    /// </summary>
    public static void Remove(string path, int parallelism)
    {
        if (parallelism <= 1)
        {
            RemoveOneByOne(path);
            return;
        }
        if (!IsDirectoryToEmpty(path, out _)) return;
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism };
        var levels = new List<List<string>>();
        var level = new List<string> { path };
        while (level.Count > 0)
        {
            levels.Add(level);
            // the names of this depth's directories, then their entries unlinked: threads share the entries, so a
            // single flat directory (a trash) is spread over them as well as a deep tree's many small ones
            var entries = new List<string>();
            Parallel.ForEach(level, options, directory =>
            {
                var own = Posix.LStat(directory);
                if ((own.Permissions & 0x1C0) != 0x1C0) Posix.Chmod(directory, own.Permissions | 0x1C0);
                var names = Posix.ListDirectory(directory);
                lock (entries)
                    foreach (var name in names) entries.Add(FsNames.Join(directory, name));
            });
            var below = new List<string>();
            Parallel.ForEach(entries, options, entry =>
            {
                try
                {
                    Posix.Unlink(entry);
                }
                catch (PosixException e) when (e.Errno is Errno.EISDIR or Errno.EPERM && IsDirectory(entry))
                {
                    lock (below) below.Add(entry);
                }
                catch (PosixException e) when (e.Errno == Errno.ENOENT)
                {
                }
            });
            level = below;
        }
        for (int depth = levels.Count - 1; depth >= 0; depth--)
            Parallel.ForEach(levels[depth], options, Posix.RemoveDirectory);
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
