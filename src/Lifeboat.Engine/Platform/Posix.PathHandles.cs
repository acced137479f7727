using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Platform;

/// <summary>
/// Metadata through an O_PATH handle: for what restore cannot open for reading or writing (symlinks, fifos, devices),
/// so that what gets the owner, mode and times is the item that was created, not whatever a swapped parent directory
/// leads to by then.
/// </summary>
public static unsafe partial class Posix
{
    /// <summary>
    /// An O_PATH handle of the item itself (a final symlink not followed) below <paramref name="root"/>, reached as
    /// <see cref="OpenWriteBeneath"/> reaches a file; null where the kernel lacks openat2.
    /// </summary>
    public static SafeFileHandle? OpenItemBeneath(SafeFileHandle root, string rootPath, string relativePath) =>
        OpenBeneath(root, rootPath, relativePath, OPath | ONoFollow | OCloExec, 0);

    /// <summary>fchownat(handle, "", AT_EMPTY_PATH): the item the handle holds, a symlink itself included.</summary>
    public static void ChownItem(SafeFileHandle handle, string path, uint uid, uint gid)
    {
        byte empty = 0;
        if (fchownat(handle, &empty, uid, gid, AtEmptyPath) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "fchownat", path);
    }

    /// <summary>utimensat(handle, "", AT_EMPTY_PATH): the item the handle holds, a symlink itself included.</summary>
    public static void SetItemTimes(SafeFileHandle handle, string path, Timespec accessTime, Timespec modTime)
    {
        NativeTimespec* times = stackalloc NativeTimespec[2];
        times[0] = new NativeTimespec { Seconds = accessTime.Seconds, Nanoseconds = accessTime.Nanoseconds };
        times[1] = new NativeTimespec { Seconds = modTime.Seconds, Nanoseconds = modTime.Nanoseconds };
        byte empty = 0;
        if (utimensat((int)handle.DangerousGetHandle(), &empty, times, AtEmptyPath) != 0)
            throw new PosixException(Marshal.GetLastPInvokeError(), "utimensat", path);
    }

    /// <summary>
    /// chmod of what an O_PATH handle holds (not a symlink: those have no mode of their own), through its
    /// /proc/self/fd link, which leads to that very inode (fchmod refuses O_PATH handles).
    /// </summary>
    public static void ChmodItem(SafeFileHandle handle, string path, uint mode)
    {
        byte[] p = FsNames.ToNullTerminated(ProcFdPath(handle));
        fixed (byte* pp = p)
            if (fchmodat(AtFdCwd, pp, mode, 0) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "chmod", path);
    }

    /// <summary>setxattr on what an O_PATH handle holds (not a symlink), through its /proc/self/fd link.</summary>
    public static void SetItemXattr(SafeFileHandle handle, string path, string name, ReadOnlySpan<byte> value)
    {
        byte[] p = FsNames.ToNullTerminated(ProcFdPath(handle));
        byte[] n = FsNames.ToNullTerminated(name);
        byte dummy = 0;
        fixed (byte* pp = p)
        fixed (byte* pn = n)
        fixed (byte* pv = value)
            if (setxattr(pp, pn, pv == null ? &dummy : pv, (nuint)value.Length, 0) != 0)
                throw new PosixException(Marshal.GetLastPInvokeError(), "setxattr", path);
    }

    private static string ProcFdPath(SafeFileHandle handle) =>
        "/proc/self/fd/" + ((int)handle.DangerousGetHandle()).ToString(CultureInfo.InvariantCulture);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchownat(SafeFileHandle dirfd, byte* path, uint uid, uint gid, int flags);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int setxattr(byte* path, byte* name, byte* value, nuint size, int flags);
}
