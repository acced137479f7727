using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Platform;

/// <summary>
/// The POSIX calls .NET lacks, on raw byte paths. Every path is an FsNames string (invalid UTF-8 carried as
/// lone surrogates) and goes to libc as its original bytes; nothing here touches System.IO's path handling.
/// Failures throw <see cref="PosixException"/> with the errno.
/// </summary>
public static unsafe partial class Posix
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;

    // open(2) flags: O_DIRECTORY and O_NOFOLLOW differ between x86_64 and arm64.
    private const int ORdOnly = 0, OWrOnly = 1, OCreat = 0x40, OTrunc = 0x200, OCloExec = 0x80000, ONoAtime = 0x40000;
    private static readonly bool IsArm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
    private static readonly int ODirectory = IsArm ? 0x4000 : 0x10000;
    private static readonly int ONoFollow = IsArm ? 0x8000 : 0x20000;

    // O_NOATIME needs ownership or CAP_FOWNER; after the first refusal we stop asking, saving a failed open per file.
    private static volatile bool s_noAtimeRefusedOnce;

    // ---- status ----

    public static FileStatus LStat(string path)
    {
        if (!TryLStat(path, out var status, out int errno)) throw new PosixException(errno, "lstat", path);
        return status;
    }

    public static bool TryLStat(string path, out FileStatus status, out int errno) => TryLStatAt(AtFdCwd, path, out status, out errno);

    /// <summary>lstat of <paramref name="name"/> relative to the open directory <paramref name="dirFd"/> (fstatat).</summary>
    public static bool TryLStatAt(int dirFd, string name, out FileStatus status, out int errno)
    {
        byte[] p = FsNames.ToNullTerminated(name);
        StatxBuffer buffer;
        fixed (byte* pp = p)
        {
            if (statx(dirFd, pp, AtSymlinkNoFollow, StatxBasicStats, &buffer) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                status = default;
                return false;
            }
        }
        errno = 0;
        status = buffer.ToFileStatus();
        return true;
    }

    public static FileStatus FStat(SafeFileHandle handle)
    {
        StatxBuffer buffer;
        byte empty = 0;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (statx((int)handle.DangerousGetHandle(), &empty, AtEmptyPath, StatxBasicStats, &buffer) != 0)
                throw new PosixException(Marshal.GetLastPInvokeError(), "fstat", null);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        return buffer.ToFileStatus();
    }

    /// <summary>glibc's makedev: the 64-bit st_dev/st_rdev encoding restic records.</summary>
    public static ulong MakeDevice(uint major, uint minor) =>
        (((ulong)major & 0xfffff000) << 32) | (((ulong)major & 0xfff) << 8) |
        (((ulong)minor & 0xffffff00) << 12) | ((ulong)minor & 0xff);

    public static uint DeviceMajor(ulong device) => (uint)(((device >> 32) & 0xfffff000) | ((device >> 8) & 0xfff));
    public static uint DeviceMinor(ulong device) => (uint)(((device >> 12) & 0xffffff00) | (device & 0xff));

    // struct statx is the same on every architecture (256 bytes).
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxBuffer
    {
        public uint Mask, BlockSize;
        public ulong Attributes;
        public uint Links, Uid, Gid;
        public ushort Mode, Spare0;
        public ulong Inode, Size, Blocks, AttributesMask;
        public StatxTimestamp AccessTime, BirthTime, ChangeTime, ModTime;
        public uint RDevMajor, RDevMinor, DevMajor, DevMinor;

        public readonly FileStatus ToFileStatus() => new()
        {
            Device = MakeDevice(DevMajor, DevMinor),
            Inode = Inode,
            Mode = Mode,
            Links = Links,
            Uid = Uid,
            Gid = Gid,
            RDevice = MakeDevice(RDevMajor, RDevMinor),
            Size = (long)Size,
            Blocks = (long)Blocks,
            AccessTime = AccessTime.ToTimespec(),
            ModTime = ModTime.ToTimespec(),
            ChangeTime = ChangeTime.ToTimespec(),
        };
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct StatxTimestamp
    {
        public long Seconds;
        public uint Nanoseconds;
        public int Reserved;
        public readonly Timespec ToTimespec() => new(Seconds, Nanoseconds);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct NativeTimespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // ---- directories and links ----

    /// <summary>Entry names except "." and "..", in the order the file system returns them.</summary>
    public static List<string> ListDirectory(string path)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        nint dir;
        fixed (byte* pp = p) dir = opendir(pp);
        if (dir == 0) throw new PosixException(Marshal.GetLastPInvokeError(), "open", path);
        return ReadDirectoryNames(dir, path);
    }

    /// <summary>The names of an opened directory stream (except "." and ".."), which it closes.</summary>
    private static List<string> ReadDirectoryNames(nint dir, string path)
    {
        var names = new List<string>();
        try
        {
            while (true)
            {
                byte* entry = readdir64(dir);
                if (entry == null)
                {
                    int errno = Marshal.GetLastPInvokeError(); // the stub zeroes errno first, so 0 means the end
                    if (errno != 0) throw new PosixException(errno, "readdirent", path);
                    break;
                }
                // struct dirent64: d_ino(8) d_off(8) d_reclen(2) d_type(1) d_name[]
                var name = new ReadOnlySpan<byte>(entry + 19, 256);
                name = name[..name.IndexOf((byte)0)];
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8)) continue;
                names.Add(FsNames.FromBytes(name));
            }
        }
        finally
        {
            closedir(dir);
        }
        return names;
    }

    public static string ReadLink(string path)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        for (int size = 256; ; size *= 2)
        {
            var buffer = new byte[size];
            nint n;
            fixed (byte* pp = p)
            fixed (byte* pb = buffer)
                n = readlink(pp, pb, (nuint)size);
            if (n < 0) throw new PosixException(Marshal.GetLastPInvokeError(), "readlink", path);
            if (n < size) return FsNames.FromBytes(buffer.AsSpan(0, (int)n));
        }
    }

    public static void MakeDirectory(string path, uint mode)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        fixed (byte* pp = p)
            if (mkdir(pp, mode) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "mkdir", path);
    }

    /// <summary>Like mkdir -p: creates missing parents; fine when the directory exists already.</summary>
    public static void MakeDirectories(string path, uint mode)
    {
        if (TryLStat(path, out var existing, out _))
        {
            if (existing.IsDirectory) return;
            // A symlink to a directory is fine too, as with mkdir -p.
            if (!existing.IsSymlink || !IsDirectoryFollowingLinks(path))
                throw new PosixException(Errno.ENOTDIR, "mkdir", path);
            return;
        }
        string trimmed = path.TrimEnd('/');
        int slash = trimmed.LastIndexOf('/');
        if (slash > 0) MakeDirectories(trimmed[..slash], mode);
        try
        {
            MakeDirectory(trimmed, mode);
        }
        catch (PosixException e) when (e.Errno == Errno.EEXIST)
        {
            // Someone else made it meanwhile.
        }
    }

    private static bool IsDirectoryFollowingLinks(string path)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        StatxBuffer buffer;
        fixed (byte* pp = p)
            if (statx(AtFdCwd, pp, 0, StatxBasicStats, &buffer) != 0) return false;
        return (buffer.Mode & FileModeBits.TypeMask) == FileModeBits.Directory;
    }

    public static void Symlink(string target, string linkPath)
    {
        byte[] t = FsNames.ToNullTerminated(target);
        byte[] l = FsNames.ToNullTerminated(linkPath);
        fixed (byte* pt = t)
        fixed (byte* pl = l)
            if (symlink(pt, pl) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "symlink", linkPath);
    }

    public static void Link(string existingPath, string newPath)
    {
        byte[] e = FsNames.ToNullTerminated(existingPath);
        byte[] n = FsNames.ToNullTerminated(newPath);
        fixed (byte* pe = e)
        fixed (byte* pn = n)
            if (link(pe, pn) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "link", newPath);
    }

    public static void MakeFifo(string path, uint mode)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        fixed (byte* pp = p)
            if (mkfifo(pp, mode) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "mkfifo", path);
    }

    /// <summary>mknod; <paramref name="mode"/> carries the type bits (char/block device, fifo, socket).</summary>
    public static void MakeNode(string path, uint mode, ulong device)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        fixed (byte* pp = p)
            if (mknod(pp, mode, device) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "mknod", path);
    }

    public static void Unlink(string path)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        fixed (byte* pp = p)
            if (unlink(pp) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "unlink", path);
    }

    public static void RemoveDirectory(string path)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        fixed (byte* pp = p)
            if (rmdir(pp) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "rmdir", path);
    }

    public static void Rename(string from, string to)
    {
        byte[] f = FsNames.ToNullTerminated(from);
        byte[] t = FsNames.ToNullTerminated(to);
        fixed (byte* pf = f)
        fixed (byte* pt = t)
            if (rename(pf, pt) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "rename", from);
    }

    // ---- metadata ----

    /// <summary>fchmodat without AT_SYMLINK_NOFOLLOW (Linux can't chmod a symlink): follows, so never call it on one.</summary>
    public static void Chmod(string path, uint mode)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        fixed (byte* pp = p)
            if (fchmodat(AtFdCwd, pp, mode, 0) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "chmod", path);
    }

    public static void LChown(string path, uint uid, uint gid)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        fixed (byte* pp = p)
            if (lchown(pp, uid, gid) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "lchown", path);
    }

    /// <summary>utimensat with AT_SYMLINK_NOFOLLOW: sets a symlink's own times.</summary>
    public static void SetTimes(string path, Timespec accessTime, Timespec modTime)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        NativeTimespec* times = stackalloc NativeTimespec[2];
        times[0] = new NativeTimespec { Seconds = accessTime.Seconds, Nanoseconds = accessTime.Nanoseconds };
        times[1] = new NativeTimespec { Seconds = modTime.Seconds, Nanoseconds = modTime.Nanoseconds };
        fixed (byte* pp = p)
            if (utimensat(AtFdCwd, pp, times, AtSymlinkNoFollow) != 0)
                throw new PosixException(Marshal.GetLastPInvokeError(), "utimensat", path);
    }

    // ---- extended attributes ----

    /// <summary>Attribute names of the entry itself (not following symlinks); empty where the file system has none.</summary>
    public static List<string> ListXattrs(string path)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        var names = new List<string>();
        while (true)
        {
            nint size;
            fixed (byte* pp = p) size = llistxattr(pp, null, 0);
            if (size < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ENOTSUP) return names;
                throw new PosixException(errno, "llistxattr", path);
            }
            if (size == 0) return names;
            var buffer = new byte[size];
            nint got;
            fixed (byte* pp = p)
            fixed (byte* pb = buffer)
                got = llistxattr(pp, pb, (nuint)buffer.Length);
            if (got < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ERANGE) continue; // grew between the two calls
                if (errno == Errno.ENOTSUP) return names;
                throw new PosixException(errno, "llistxattr", path);
            }
            var list = buffer.AsSpan(0, (int)got);
            while (list.Length > 0)
            {
                int end = list.IndexOf((byte)0);
                if (end < 0) end = list.Length;
                if (end > 0) names.Add(FsNames.FromBytes(list[..end]));
                list = end < list.Length ? list[(end + 1)..] : default;
            }
            return names;
        }
    }

    /// <summary>The value, or null when the entry has no such attribute (ENODATA) or the file system has none.</summary>
    public static byte[]? GetXattr(string path, string name)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        byte[] n = FsNames.ToNullTerminated(name);
        while (true)
        {
            nint size;
            fixed (byte* pp = p)
            fixed (byte* pn = n)
                size = lgetxattr(pp, pn, null, 0);
            if (size < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is Errno.ENODATA or Errno.ENOTSUP) return null;
                throw new PosixException(errno, "lgetxattr", path);
            }
            if (size == 0) return [];
            var buffer = new byte[size];
            nint got;
            fixed (byte* pp = p)
            fixed (byte* pn = n)
            fixed (byte* pb = buffer)
                got = lgetxattr(pp, pn, pb, (nuint)buffer.Length);
            if (got < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ERANGE) continue;
                if (errno is Errno.ENODATA or Errno.ENOTSUP) return null;
                throw new PosixException(errno, "lgetxattr", path);
            }
            return got == buffer.Length ? buffer : buffer[..(int)got];
        }
    }

    public static void SetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        byte[] n = FsNames.ToNullTerminated(name);
        byte dummy = 0; // a non-null pointer for an empty value
        fixed (byte* pp = p)
        fixed (byte* pn = n)
        fixed (byte* pv = value)
            if (lsetxattr(pp, pn, pv == null ? &dummy : pv, (nuint)value.Length, 0) != 0)
                throw new PosixException(Marshal.GetLastPInvokeError(), "lsetxattr", path);
    }

    public static void RemoveXattr(string path, string name)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        byte[] n = FsNames.ToNullTerminated(name);
        fixed (byte* pp = p)
        fixed (byte* pn = n)
            if (lremovexattr(pp, pn) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "lremovexattr", path);
    }

    // ---- file handles ----

    /// <summary>Opens for reading without following a final symlink, and without updating atime where allowed.</summary>
    public static SafeFileHandle OpenRead(string path)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        int flags = ORdOnly | ONoFollow | OCloExec;
        int fd;
        fixed (byte* pp = p)
        {
            fd = s_noAtimeRefusedOnce ? -1 : open(pp, flags | ONoAtime, 0);
            int errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (fd < 0 && (s_noAtimeRefusedOnce || errno == Errno.EPERM))
            {
                // O_NOATIME needs ownership or CAP_FOWNER.
                if (errno == Errno.EPERM) s_noAtimeRefusedOnce = true;
                fd = open(pp, flags, 0);
                errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
            if (fd < 0) throw new PosixException(errno, "open", path);
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public static SafeFileHandle OpenWrite(string path, uint mode, bool truncate = true)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        int flags = OWrOnly | OCreat | ONoFollow | OCloExec | (truncate ? OTrunc : 0);
        int fd;
        fixed (byte* pp = p) fd = open(pp, flags, mode);
        if (fd < 0) throw new PosixException(Marshal.GetLastPInvokeError(), "open", path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>A directory handle, for fsync after creating or renaming entries in it.</summary>
    public static SafeFileHandle OpenDirectory(string path)
    {
        byte[] p = FsNames.ToNullTerminated(path);
        int fd;
        fixed (byte* pp = p) fd = open(pp, ORdOnly | ODirectory | OCloExec, 0);
        if (fd < 0) throw new PosixException(Marshal.GetLastPInvokeError(), "open", path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public static void Fsync(SafeFileHandle handle)
    {
        if (fsync(handle) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "fsync", null);
    }

    public static void FsyncDirectory(string path)
    {
        using var handle = OpenDirectory(path);
        if (fsync(handle) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "fsync", path);
    }

    /// <summary>
    /// pwrite of all of <paramref name="data"/> at <paramref name="offset"/>, straight to the system call: RandomAccess.Write
    /// asks the kernel first whether a handle it did not open can seek (an lseek per file, 300,000 of them in a restore
    /// of as many files). <paramref name="path"/> names the file in errors.
    /// </summary>
    public static void WriteAt(SafeFileHandle handle, ReadOnlySpan<byte> data, long offset, string? path)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = pwrite(handle, p + done, (nuint)(data.Length - done), offset + done);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR) continue;
                    throw new PosixException(errno, "write", path);
                }
                if (n == 0) throw new PosixException(Errno.EIO, "write", path);
                done += (int)n;
            }
        }
    }

    /// <summary>ftruncate: sets the length, leaving a hole when it grows the file.</summary>
    public static void Truncate(SafeFileHandle handle, long length)
    {
        if (ftruncate(handle, length) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "ftruncate", null);
    }

    // ---- users, processes, terminal ----

    private static readonly ConcurrentDictionary<uint, string?> s_userNames = new();
    private static readonly ConcurrentDictionary<uint, string?> s_groupNames = new();

    /// <summary>The user name for a uid, or null when no user has it. Cached.</summary>
    public static string? UserName(uint uid) => s_userNames.GetOrAdd(uid, LookUpUserName);

    /// <summary>The group name for a gid, or null when no group has it. Cached.</summary>
    public static string? GroupName(uint gid) => s_groupNames.GetOrAdd(gid, LookUpGroupName);

    private static string? LookUpUserName(uint uid)
    {
        byte* entry = stackalloc byte[128]; // struct passwd is 48 bytes on 64-bit; pw_name comes first
        for (int size = 1024; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            byte* result = null;
            int rc;
            fixed (byte* pb = buffer) rc = getpwuid_r(uid, entry, pb, (nuint)size, &result);
            if (rc == Errno.ERANGE) continue;
            if (rc != 0 || result == null) return null;
            return FsNames.FromBytes(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(*(byte**)entry));
        }
        return null;
    }

    private static string? LookUpGroupName(uint gid)
    {
        byte* entry = stackalloc byte[128]; // struct group is 32 bytes on 64-bit; gr_name comes first
        for (int size = 1024; size <= 1 << 22; size *= 4)
        {
            var buffer = new byte[size];
            byte* result = null;
            int rc;
            fixed (byte* pb = buffer) rc = getgrgid_r(gid, entry, pb, (nuint)size, &result);
            if (rc == Errno.ERANGE) continue;
            if (rc != 0 || result == null) return null;
            return FsNames.FromBytes(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(*(byte**)entry));
        }
        return null;
    }

    public static uint GetUid() => getuid();
    /// <summary>The user whose rights the process has (what owns the files it creates).</summary>
    public static uint GetEffectiveUid() => geteuid();
    public static uint GetGid() => getgid();
    public static int GetPid() => Environment.ProcessId;

    /// <summary>True when a process with this id exists, even one we may not signal.</summary>
    public static bool ProcessExists(int pid)
    {
        if (pid <= 0) return false;
        if (kill(pid, 0) == 0) return !IsZombie(pid);
        return Marshal.GetLastPInvokeError() == Errno.EPERM && !IsZombie(pid);
    }

    /// <summary>
    /// A process that has exited but not been reaped yet (a killed job whose parent died too waits so until init reaps
    /// it, which in a container may take a while): it holds nothing any more, so a lock of it is stale. kill(pid, 0)
    /// alone still finds it.
    /// </summary>
    private static bool IsZombie(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) S ...": the state follows the last ')' (comm may hold anything)
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close >= 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The full host name, as Go's os.Hostname gives it (Environment.MachineName cuts at the first dot).</summary>
    public static string HostName
    {
        get
        {
            byte* buffer = stackalloc byte[256];
            if (gethostname(buffer, 255) != 0) throw new PosixException(Marshal.GetLastPInvokeError(), "gethostname", null);
            buffer[255] = 0;
            return FsNames.FromBytes(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(buffer));
        }
    }

    public static bool IsTerminal(int fd) => isatty(fd) == 1;

    /// <summary>
    /// Asks Linux to give a pipe a buffer of <paramref name="bytes"/> (at most /proc/sys/fs/pipe-max-size); true when it
    /// did. A 64 KiB pipe makes every 256 KiB message to a child (ssh) several writes, each a wake-up of both sides.
    /// </summary>
    public static bool TryGrowPipe(SafeHandle pipe, int bytes)
    {
        if (!OperatingSystem.IsLinux()) return false;
        bool added = false;
        try
        {
            pipe.DangerousAddRef(ref added);
            const int F_SETPIPE_SZ = 1031;
            return fcntl((int)pipe.DangerousGetHandle(), F_SETPIPE_SZ, bytes) >= bytes;
        }
        finally
        {
            if (added) pipe.DangerousRelease();
        }
    }

    // ---- libc ----

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int statx(int dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);
    [LibraryImport("libc", SetLastError = true)]
    private static partial nint opendir(byte* path);
    [LibraryImport("libc", SetLastError = true)]
    private static partial byte* readdir64(nint dir);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int closedir(nint dir);
    [LibraryImport("libc", SetLastError = true)]
    private static partial nint readlink(byte* path, byte* buffer, nuint size);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkdir(byte* path, uint mode);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int symlink(byte* target, byte* linkPath);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int link(byte* existingPath, byte* newPath);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkfifo(byte* path, uint mode);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int mknod(byte* path, uint mode, ulong device);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlink(byte* path);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int rmdir(byte* path);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int rename(byte* from, byte* to);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmodat(int dirfd, byte* path, uint mode, int flags);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int lchown(byte* path, uint uid, uint gid);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int utimensat(int dirfd, byte* path, NativeTimespec* times, int flags);
    [LibraryImport("libc", SetLastError = true)]
    private static partial nint llistxattr(byte* path, byte* list, nuint size);
    [LibraryImport("libc", SetLastError = true)]
    private static partial nint lgetxattr(byte* path, byte* name, byte* value, nuint size);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int lsetxattr(byte* path, byte* name, byte* value, nuint size, int flags);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int lremovexattr(byte* path, byte* name);
    // open is variadic in C; passing the mode as a fixed third argument is what every libc binding does on Linux.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int open(byte* path, int flags, uint mode);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(SafeFileHandle fd);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(SafeFileHandle fd, long length);
    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pwrite(SafeFileHandle fd, byte* buffer, nuint count, long offset);
    [LibraryImport("libc")]
    private static partial int getpwuid_r(uint uid, byte* entry, byte* buffer, nuint size, byte** result);
    [LibraryImport("libc")]
    private static partial int getgrgid_r(uint gid, byte* entry, byte* buffer, nuint size, byte** result);
    [LibraryImport("libc")]
    private static partial uint getuid();
    [LibraryImport("libc")]
    private static partial uint getgid();
    [LibraryImport("libc")]
    private static partial uint geteuid();
    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int gethostname(byte* name, nuint size);
    [LibraryImport("libc")]
    private static partial int isatty(int fd);
}
