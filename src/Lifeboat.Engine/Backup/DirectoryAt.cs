using System.Buffers;
using System.Runtime.InteropServices;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// The walk's directory access relative to an open directory: each entry's lstat and each subdirectory's open
/// resolve one name instead of walking the whole path again (in a no-change backup those path walks were a good
/// part of the kernel's work). A descriptor of -1 means
/// "no directory open": everything then goes by path, as Posix does.
/// </summary>
internal static unsafe partial class DirectoryAt
{
    private const int AtFdCwd = -100;
    private const int ORdOnly = 0, OCloExec = 0x80000;
    private static readonly int ODirectory = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;

    /// <summary>
    /// Opens a directory, by name in <paramref name="parentFd"/> when that is open, else by path; -1 when it cannot
    /// be opened (the caller then lists it by path, which reports the error as before).
    /// </summary>
    public static int Open(int parentFd, string name, string path)
    {
        byte[] p = FsNames.ToNullTerminated(parentFd >= 0 ? name : path);
        fixed (byte* pp = p) return openat(parentFd >= 0 ? parentFd : AtFdCwd, pp, ORdOnly | ODirectory | OCloExec, 0);
    }

    public static void Close(int fd)
    {
        if (fd >= 0) close(fd);
    }

    /// <summary>Entry names except "." and "..", in the order the file system returns them.</summary>
    public static List<string> List(int fd, string path)
    {
        var names = new List<string>();
        var buffer = ArrayPool<byte>.Shared.Rent(32 * 1024);
        try
        {
            fixed (byte* pb = buffer)
            {
                while (true)
                {
                    nint n = getdents64(fd, pb, (nuint)buffer.Length);
                    if (n < 0) throw new PosixException(Marshal.GetLastPInvokeError(), "readdirent", path);
                    if (n == 0) break;
                    for (int at = 0; at < n;)
                    {
                        // struct linux_dirent64: d_ino(8) d_off(8) d_reclen(2) d_type(1) d_name[]
                        int length = *(ushort*)(pb + at + 16);
                        var name = new ReadOnlySpan<byte>(pb + at + 19, length - 19);
                        name = name[..name.IndexOf((byte)0)];
                        at += length;
                        if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8)) continue;
                        names.Add(FsNames.FromBytes(name));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return names;
    }

    /// <summary>lstat of an entry: by name in <paramref name="dirFd"/> when that is open, else by path.</summary>
    public static bool TryLStat(int dirFd, string name, string path, out FileStatus status, out int errno) =>
        dirFd < 0 ? Posix.TryLStat(path, out status, out errno) : Posix.TryLStatAt(dirFd, name, out status, out errno);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int openat(int dirfd, byte* path, int flags, uint mode);
    [LibraryImport("libc", SetLastError = true)]
    private static partial nint getdents64(int fd, byte* buffer, nuint count);
    [LibraryImport("libc")]
    private static partial int close(int fd);
}
