using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Platform;

/// <summary>Advisory locks that die with their process, and whole-file-system syncs.</summary>
public static unsafe partial class Posix
{
    private const int LockExclusive = 2, LockNonBlocking = 4;

    /// <summary>
    /// flock(LOCK_EX|LOCK_NB) on an open file or directory: false when another open file description holds it. The
    /// kernel drops the lock when its last descriptor closes, a SIGKILL included, so "not locked" means "not in use".
    /// </summary>
    public static bool TryLockExclusive(SafeFileHandle handle)
    {
        while (true)
        {
            if (flock(handle, LockExclusive | LockNonBlocking) == 0) return true;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EAGAIN) return false; // EWOULDBLOCK is EAGAIN on Linux
            if (errno != Errno.EINTR) throw new PosixException(errno, "flock", null);
        }
    }

    /// <summary>
    /// syncfs: writes out everything cached for the file system holding <paramref name="path"/> (file data, new and
    /// renamed entries), for the points where a power loss must not see a later step without an earlier one.
    /// </summary>
    public static void SyncFileSystem(string path)
    {
        using var handle = OpenDirectory(path);
        if (syncfs(handle) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "syncfs", path);
    }

    /// <summary>fdatasync: the file's data (and the size that reaches it) on disk.</summary>
    public static void DataSync(SafeFileHandle handle)
    {
        if (fdatasync(handle) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "fdatasync", null);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(SafeFileHandle fd, int operation);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int syncfs(SafeFileHandle fd);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(SafeFileHandle fd);
}
