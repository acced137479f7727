using System.Runtime.InteropServices;

namespace Lifeboat.Engine.Platform;

/// <summary>renameat2(RENAME_EXCHANGE): two entries swapped atomically.</summary>
public static unsafe partial class Posix
{
    private const int AtCurrentDirectory = -100;
    private const uint RenameExchangeFlag = 2;
    private const int NoSuchSystemCall = 38; // ENOSYS

    /// <summary>
    /// Swaps <paramref name="a"/> and <paramref name="b"/> (both must exist, on one file system) in one atomic step:
    /// each name then holds what the other held. Where the file system (or kernel) does not support it, throws with
    /// EINVAL (or ENOSYS, EOPNOTSUPP, EPERM under a seccomp filter): see <see cref="IsExchangeUnsupported"/>.
    /// </summary>
    public static void RenameExchange(string a, string b)
    {
        byte[] pa = FsNames.ToNullTerminated(a);
        byte[] pb = FsNames.ToNullTerminated(b);
        fixed (byte* x = pa)
        fixed (byte* y = pb)
            if (renameat2(AtCurrentDirectory, x, AtCurrentDirectory, y, RenameExchangeFlag) != 0)
                throw new PosixException(Marshal.GetLastPInvokeError(), "renameat2(RENAME_EXCHANGE)", a);
    }

    /// <summary>The errors by which a kernel, a file system or a seccomp filter refuses <see cref="RenameExchange"/> as such.</summary>
    public static bool IsExchangeUnsupported(int errno) => errno is Errno.EINVAL or NoSuchSystemCall or Errno.EOPNOTSUPP or Errno.EPERM;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int renameat2(int oldDirectory, byte* oldPath, int newDirectory, byte* newPath, uint flags);
}
