using System.Security.Cryptography;
using Lifeboat.Engine;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// A private (0700) directory for a restore test's restored copy, under the staging parent ($LIFEBOAT_STAGING_DIR or
/// /var/tmp, as the database copies use); Dispose removes it with everything in it, whatever modes the restore gave.
/// </summary>
public sealed class ScratchDirectory : IDisposable
{
    public const string Prefix = "lifeboat-verify-";

    private bool _disposed;

    private ScratchDirectory(string path) => Path = path;

    public string Path { get; }

    public static ScratchDirectory Create(string parent)
    {
        for (int attempt = 0; ; attempt++)
        {
            var path = FsNames.Join(parent, Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
            try
            {
                Posix.MakeDirectory(path, 0x1C0); // 0700: it holds the apps' data
                Posix.Chmod(path, 0x1C0);          // whatever the umask
                return new ScratchDirectory(path);
            }
            catch (PosixException e) when (e.Errno == Errno.EEXIST && attempt < 10)
            {
            }
            catch (PosixException e)
            {
                throw new StackException($"cannot create a scratch directory for the restore test in {parent}: {e.Message}; set LIFEBOAT_STAGING_DIR to a directory with room");
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // a whole restored copy of the app: one unlink at a time was most of a 100,000-file verify (see FileTrees)
        FileTrees.Remove(Path, parallelism: 8);
    }
}
