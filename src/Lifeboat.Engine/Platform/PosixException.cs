using System.Runtime.InteropServices;

namespace Lifeboat.Engine.Platform;

/// <summary>A failed POSIX call. The message reads like Go's *PathError ("lstat /srv/x: no such file or directory")
/// so that our output matches restic's where users compare them.</summary>
public sealed class PosixException : IOException
{
    public int Errno { get; }
    public string Operation { get; }
    public string? Path { get; }

    public PosixException(int errno, string operation, string? path)
        : base(FormatMessage(errno, operation, path))
    {
        Errno = errno;
        Operation = operation;
        Path = path;
        HResult = errno;
    }

    /// <summary>strerror text with a lower-case first letter, as Go's syscall.Errno prints it.</summary>
    public static string ErrorText(int errno)
    {
        string text = Marshal.GetPInvokeErrorMessage(errno);
        if (string.IsNullOrEmpty(text)) return $"errno {errno}";
        return char.ToLowerInvariant(text[0]) + text[1..];
    }

    private static string FormatMessage(int errno, string operation, string? path) =>
        path is null ? $"{operation}: {ErrorText(errno)}" : $"{operation} {path}: {ErrorText(errno)}";
}

/// <summary>Linux errno values (the generic ones, the same on x86_64 and arm64).</summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11, EACCES = 13, EEXIST = 17,
        EXDEV = 18, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENOSPC = 28, EROFS = 30, ERANGE = 34, ENAMETOOLONG = 36,
        ENOTEMPTY = 39, ELOOP = 40, ENODATA = 61, ENOTSUP = 95, EOPNOTSUPP = 95;
}
