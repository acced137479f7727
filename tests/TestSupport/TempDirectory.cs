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

    public TempDirectory(string prefix = "lifeboat-test")
    {
        string parent = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } tmp ? tmp : "/tmp";
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
