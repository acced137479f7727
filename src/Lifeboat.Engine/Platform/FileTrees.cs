namespace Lifeboat.Engine.Platform;

/// <summary>Operations on whole directory trees, by byte-exact names (a snapshot's names need not be UTF-8).</summary>
public static class FileTrees
{
    /// <summary>
    /// rm -rf: removes the path and everything below it, not following symbolic links; a directory without
    /// u+rwx gets it first (a restored tree may hold 0500 directories, which only root could empty otherwise).
    /// A path that does not exist is not an error.
    /// </summary>
    public static void Remove(string path) => Remove(path, parallelism: 1);

    /// <summary>
    /// <see cref="Remove(string)"/> with the entries of <paramref name="path"/> itself removed by up to
    /// <paramref name="parallelism"/> threads (each entry's own tree by one): the unlinks of a large flat directory
    /// (a restore's trash of replaced files) each wait for the file system to free a file, and overlap.
    /// </summary>
    public static void Remove(string path, int parallelism)
    {
        if (!Posix.TryLStat(path, out var status, out int errno))
        {
            if (errno == Errno.ENOENT) return;
            throw new PosixException(errno, "lstat", path);
        }
        if (!status.IsDirectory)
        {
            Posix.Unlink(path);
            return;
        }
        if ((status.Permissions & 0x1C0) != 0x1C0) Posix.Chmod(path, status.Permissions | 0x1C0);
        var names = Posix.ListDirectory(path);
        if (parallelism > 1 && names.Count > 1)
            Parallel.ForEach(names, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, name => Remove(FsNames.Join(path, name)));
        else
            foreach (var name in names) Remove(FsNames.Join(path, name));
        Posix.RemoveDirectory(path);
    }
}
