using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Platform;

/// <summary>
/// Opening below a directory without ever leaving it, and metadata through open handles: what restore needs so that a
/// directory swapped for a symlink while it runs (by anything that can write the target) is never followed.
/// </summary>
public static unsafe partial class Posix
{
    private const long SysOpenat2 = 437; // the same on x86_64 and arm64
    private const ulong ResolveNoMagicLinks = 0x02, ResolveNoSymlinks = 0x04, ResolveBeneath = 0x08;
    private const int ENOSYS = 38;

    // openat2 came with Linux 5.6; older kernels (and some seccomp profiles) answer ENOSYS: stop asking after the first.
    private static volatile bool s_noOpenat2;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>
    /// Opens <paramref name="relativePath"/> below the open directory <paramref name="root"/> (whose path is
    /// <paramref name="rootPath"/>) for writing, creating it: no symlink is followed on the way, the final one included,
    /// and nothing outside <paramref name="root"/> is reached (ELOOP or EXDEV instead). Where the kernel lacks openat2,
    /// the full path is opened as <see cref="OpenWrite"/> does (the final component not followed).
    /// </summary>
    public static SafeFileHandle OpenWriteBeneath(SafeFileHandle root, string rootPath, string relativePath, uint mode, bool truncate = true) =>
        OpenBeneath(root, rootPath, relativePath, OWrOnly | OCreat | ONoFollow | OCloExec | (truncate ? OTrunc : 0), mode)
            ?? OpenWrite(FsNames.Join(rootPath, relativePath), mode, truncate);

    /// <summary>As <see cref="OpenWriteBeneath"/>, a directory below <paramref name="root"/> for its metadata.</summary>
    public static SafeFileHandle OpenDirectoryBeneath(SafeFileHandle root, string rootPath, string relativePath) =>
        OpenBeneath(root, rootPath, relativePath, ORdOnly | ODirectory | ONoFollow | OCloExec, 0)
            ?? OpenDirectoryNoFollow(FsNames.Join(rootPath, relativePath));

    /// <summary>As <see cref="OpenWriteBeneath"/>, a file below <paramref name="root"/> for reading (the final symlink not followed either).</summary>
    public static SafeFileHandle OpenReadBeneath(SafeFileHandle root, string rootPath, string relativePath) =>
        OpenBeneath(root, rootPath, relativePath, ORdOnly | ONoFollow | OCloExec, 0)
            ?? OpenRead(FsNames.Join(rootPath, relativePath));

    /// <summary>
    /// rm -rf of <paramref name="relativePath"/> below <paramref name="root"/>: every directory on the way is opened as
    /// <see cref="OpenDirectoryBeneath"/> opens one, so a symlink (swapped in or not) is removed, never followed out of
    /// root. A directory without u+rwx gets it first, as <see cref="FileTrees.Remove"/> does; a missing item is no error.
    /// </summary>
    public static void RemoveAllBeneath(SafeFileHandle root, string rootPath, string relativePath)
    {
        try
        {
            UnlinkBeneath(root, rootPath, relativePath);
            return;
        }
        catch (PosixException e) when (e.Errno == Errno.ENOENT) { return; }
        catch (PosixException e) when (e.Errno == Errno.EISDIR) { /* a directory: empty it first */ }
        var path = FsNames.Join(rootPath, relativePath);
        using (var directory = OpenDirectoryBeneath(root, rootPath, relativePath))
        {
            var status = FStat(directory);
            if ((status.Permissions & 0x1C0) != 0x1C0) FChmod(directory, path, status.Permissions | 0x1C0);
            foreach (var name in ListDirectory(directory, path)) RemoveAllBeneath(root, rootPath, relativePath + "/" + name);
        }
        RemoveDirectoryBeneath(root, rootPath, relativePath);
    }

    /// <summary>The entry names of an open directory, read through a duplicate so that the handle stays open; <paramref name="path"/> names it in errors.</summary>
    public static List<string> ListDirectory(SafeFileHandle directory, string path)
    {
        int copy = dup(directory);
        if (copy < 0) throw new PosixException(Marshal.GetLastPInvokeError(), "dup", path);
        nint stream = fdopendir(copy);
        if (stream == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            close(copy);
            throw new PosixException(errno, "fdopendir", path);
        }
        return ReadDirectoryNames(stream, path);
    }

    /// <summary>The handle, or null when openat2 is not there to ask.</summary>
    private static SafeFileHandle? OpenBeneath(SafeFileHandle root, string rootPath, string relativePath, int flags, uint mode)
    {
        if (s_noOpenat2) return null;
        byte[] p = FsNames.ToNullTerminated(relativePath);
        var how = new OpenHow { Flags = (ulong)flags, Mode = mode, Resolve = ResolveBeneath | ResolveNoSymlinks | ResolveNoMagicLinks };
        long fd;
        fixed (byte* pp = p) fd = syscall(SysOpenat2, root, pp, &how, (nuint)sizeof(OpenHow));
        if (fd >= 0) return new SafeFileHandle((nint)fd, ownsHandle: true);
        int errno = Marshal.GetLastPInvokeError();
        // some seccomp profiles (older container runtimes) answer EPERM for a system call they do not know: when
        // opening the root itself is refused too, openat2 is what is refused
        if (errno == ENOSYS || (errno == Errno.EPERM && !Openat2Works(root)))
        {
            s_noOpenat2 = true;
            return null;
        }
        throw new PosixException(errno, "open", FsNames.Join(rootPath, relativePath));
    }

    private static bool Openat2Works(SafeFileHandle root)
    {
        var how = new OpenHow { Flags = (ulong)(OPath | ODirectory | OCloExec), Resolve = ResolveBeneath };
        byte* dot = stackalloc byte[] { (byte)'.', 0 };
        long fd = syscall(SysOpenat2, root, dot, &how, (nuint)sizeof(OpenHow));
        if (fd < 0) return false;
        close((int)fd);
        return true;
    }

    private static SafeFileHandle OpenDirectoryNoFollow(string path)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        int fd;
        fixed (byte* pp = p) fd = open(pp, ORdOnly | ODirectory | ONoFollow | OCloExec, 0);
        if (fd < 0) throw new PosixException(Marshal.GetLastPInvokeError(), "open", path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private const int OPath = 0x200000;

    /// <summary>mkdir of <paramref name="relativePath"/> below <paramref name="root"/>, its parent reached as <see cref="OpenWriteBeneath"/> reaches a file.</summary>
    public static void MakeDirectoryBeneath(SafeFileHandle root, string rootPath, string relativePath, uint mode) =>
        AtParent(root, rootPath, relativePath, "mkdir", (dir, name) => mkdirat(dir, name, mode), () => MakeDirectory(FsNames.Join(rootPath, relativePath), mode));

    /// <summary>symlink at <paramref name="relativePath"/> below <paramref name="root"/>.</summary>
    public static void SymlinkBeneath(string target, SafeFileHandle root, string rootPath, string relativePath)
    {
        byte[] t = FsNames.ToNullTerminated(target);
        AtParent(root, rootPath, relativePath, "symlink", (dir, name) => { fixed (byte* pt = t) return symlinkat(pt, dir, name); },
            () => Symlink(target, FsNames.Join(rootPath, relativePath)));
    }

    /// <summary>mknod at <paramref name="relativePath"/> below <paramref name="root"/> (a fifo or a device: the type is in <paramref name="mode"/>).</summary>
    public static void MakeNodeBeneath(SafeFileHandle root, string rootPath, string relativePath, uint mode, ulong device) =>
        AtParent(root, rootPath, relativePath, "mknod", (dir, name) => mknodat(dir, name, mode, device), () => MakeNode(FsNames.Join(rootPath, relativePath), mode, device));

    /// <summary>unlink of <paramref name="relativePath"/> below <paramref name="root"/>.</summary>
    public static void UnlinkBeneath(SafeFileHandle root, string rootPath, string relativePath) =>
        AtParent(root, rootPath, relativePath, "unlink", (dir, name) => unlinkat(dir, name, 0), () => Unlink(FsNames.Join(rootPath, relativePath)));

    /// <summary>rmdir of <paramref name="relativePath"/> below <paramref name="root"/>.</summary>
    public static void RemoveDirectoryBeneath(SafeFileHandle root, string rootPath, string relativePath) =>
        AtParent(root, rootPath, relativePath, "rmdir", (dir, name) => unlinkat(dir, name, 0x200 /* AT_REMOVEDIR */), () => RemoveDirectory(FsNames.Join(rootPath, relativePath)));

    private delegate int AtCall(SafeFileHandle directory, byte* name);

    /// <summary>Runs <paramref name="call"/> on the item's name in its parent directory, opened below root without following symlinks.</summary>
    private static void AtParent(SafeFileHandle root, string rootPath, string relativePath, string operation, AtCall call, Action fallback)
    {
        int slash = relativePath.LastIndexOf('/');
        SafeFileHandle? parent = slash < 0 ? root : OpenBeneath(root, rootPath, relativePath[..slash], ORdOnly | OPath | ODirectory | OCloExec, 0);
        if (parent is null)
        {
            fallback();
            return;
        }
        try
        {
            byte[] n = FsNames.ToNullTerminated(relativePath[(slash + 1)..]);
            fixed (byte* pn = n)
                if (call(parent, pn) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), operation, FsNames.Join(rootPath, relativePath));
        }
        finally
        {
            if (!ReferenceEquals(parent, root)) parent.Dispose();
        }
    }

    /// <summary>fchown; <paramref name="path"/> names the file in errors.</summary>
    public static void FChown(SafeFileHandle handle, string path, uint uid, uint gid)
    {
        if (fchown(handle, uid, gid) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "fchown", path);
    }

    public static void FChmod(SafeFileHandle handle, string path, uint mode)
    {
        if (fchmod(handle, mode) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "fchmod", path);
    }

    public static void FSetXattr(SafeFileHandle handle, string path, string name, ReadOnlySpan<byte> value)
    {
        byte[] n = FsNames.ToNullTerminated(name);
        byte dummy = 0; // a non-null pointer for an empty value
        fixed (byte* pn = n)
        fixed (byte* pv = value)
            if (fsetxattr(handle, pn, pv == null ? &dummy : pv, (nuint)value.Length, 0) != 0)
                throw new PosixException(Marshal.GetLastPInvokeError(), "fsetxattr", path);
    }

    public static void FSetTimes(SafeFileHandle handle, string path, Timespec accessTime, Timespec modTime)
    {
        NativeTimespec* times = stackalloc NativeTimespec[2];
        times[0] = new NativeTimespec { Seconds = accessTime.Seconds, Nanoseconds = accessTime.Nanoseconds };
        times[1] = new NativeTimespec { Seconds = modTime.Seconds, Nanoseconds = modTime.Nanoseconds };
        if (futimens(handle, times) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "futimens", path);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, SafeFileHandle dirfd, byte* path, OpenHow* how, nuint size);
    [LibraryImport("libc")]
    private static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup(SafeFileHandle fd);
    [LibraryImport("libc", SetLastError = true)]
    private static partial nint fdopendir(int fd);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkdirat(SafeFileHandle dirfd, byte* path, uint mode);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int symlinkat(byte* target, SafeFileHandle dirfd, byte* linkPath);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int mknodat(SafeFileHandle dirfd, byte* path, uint mode, ulong device);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlinkat(SafeFileHandle dirfd, byte* path, int flags);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchown(SafeFileHandle fd, uint uid, uint gid);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmod(SafeFileHandle fd, uint mode);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsetxattr(SafeFileHandle fd, byte* name, byte* value, nuint size, int flags);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int futimens(SafeFileHandle fd, NativeTimespec* times);
}
