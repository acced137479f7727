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
        SetXattrThrough(ProcFdPath(handle), follow: true, path, name, value);
    }

    /// <summary>
    /// lsetxattr of a symlink's own attribute, below <paramref name="root"/>: its parent directory opened beneath the
    /// root (no symlink followed), then the name looked up in that very directory through its /proc/self/fd link, the
    /// symlink itself never followed. (No system call sets an attribute through an O_PATH handle of a symlink.)
    /// </summary>
    public static void SetSymlinkXattrBeneath(SafeFileHandle root, string rootPath, string relativePath, string name, ReadOnlySpan<byte> value)
    {
        int slash = relativePath.LastIndexOf('/');
        var parent = slash < 0 ? root : OpenBeneath(root, rootPath, relativePath[..slash], ORdOnly | OPath | ODirectory | OCloExec, 0);
        var path = FsNames.Join(rootPath, relativePath);
        if (parent is null)
        {
            SetXattr(path, name, value);
            return;
        }
        try
        {
            SetXattrThrough(ProcFdPath(parent) + "/" + relativePath[(slash + 1)..], follow: false, path, name, value);
        }
        finally
        {
            if (!ReferenceEquals(parent, root)) parent.Dispose();
        }
    }

    /// <summary>setxattr (or lsetxattr) on a /proc/self/fd path; errors name <paramref name="path"/>.</summary>
    private static void SetXattrThrough(string procPath, bool follow, string path, string name, ReadOnlySpan<byte> value)
    {
        byte[] p = FsNames.ToNullTerminated(procPath);
        byte[] n = FsNames.ToNullTerminated(name);
        byte dummy = 0; // a non-null pointer for an empty value
        fixed (byte* pp = p)
        fixed (byte* pn = n)
        fixed (byte* pv = value)
        {
            int result = follow ? setxattr(pp, pn, pv == null ? &dummy : pv, (nuint)value.Length, 0) : lsetxattr(pp, pn, pv == null ? &dummy : pv, (nuint)value.Length, 0);
            if (result != 0) throw new PosixException(Marshal.GetLastPInvokeError(), follow ? "setxattr" : "lsetxattr", path);
        }
    }

    private static string ProcFdPath(SafeFileHandle handle) =>
        "/proc/self/fd/" + ((int)handle.DangerousGetHandle()).ToString(CultureInfo.InvariantCulture);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchownat(SafeFileHandle dirfd, byte* path, uint uid, uint gid, int flags);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int setxattr(byte* path, byte* name, byte* value, nuint size, int flags);
}
