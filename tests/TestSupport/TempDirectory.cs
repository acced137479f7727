using System.Security.Cryptography;
using Lifeboat.Engine;
using Lifeboat.Engine.Platform;

namespace Lifeboat.TestSupport;

/// <summary>
/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on Dispose: read-only directories,
/// non-UTF-8 names, files of other owners, device nodes. Removal goes through Platform because System.IO cannot
/// name non-UTF-8 entries.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; }
    private bool _disposed;

    public TempDirectory(string prefix = "lifeboat-test", string? parent = null)
    {
        parent ??= Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } tmp ? tmp : "/tmp";
        while (true)
        {
            string candidate = FsNames.Join(parent, $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
            try
            {
                Posix.MakeDirectory(candidate, 0x1C0); // 0700
                Path = candidate;
                return;
            }
            catch (PosixException e) when (e.Errno == Errno.EEXIST)
            {
            }
        }
    }

    /// <summary>
    /// A directory on another file system than $TMPDIR (the machine's /dev/shm), for a repository that must not share a
    /// disk with the data it protects; $TMPDIR itself when there is no such place.
    /// </summary>
    public static TempDirectory OnAnotherFileSystem(string prefix = "lifeboat-test")
    {
        string tmp = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } t ? t : "/tmp";
        if (Posix.TryLStat("/dev/shm", out var shm, out _) && Posix.TryLStat(tmp, out var tmpStatus, out _) && shm.Device != tmpStatus.Device)
            return new TempDirectory(prefix, "/dev/shm");
        return new TempDirectory(prefix);
    }

    /// <summary>The path of a name inside this directory ('/'-separated relative paths are fine).</summary>
    public string Combine(string relativePath) => FsNames.Join(Path, relativePath);

    public override string ToString() => Path;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        FileTrees.Remove(Path);
    }
}
