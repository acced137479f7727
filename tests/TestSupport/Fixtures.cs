using Lifeboat.Engine.Platform;

namespace Lifeboat.TestSupport;

/// <summary>The shared reference folder (fixtures, vectors) that lives beside the repository, not in it.</summary>
public static class Fixtures
{
    private static readonly Lazy<string> s_sharedRoot = new(FindSharedRoot);

    /// <summary>$LIFEBOAT_SHARED, else the "shared" folder beside the clone holding Lifeboat.slnx.</summary>
    public static string SharedRoot => s_sharedRoot.Value;

    /// <summary>A path inside the shared folder, e.g. Path("reference/fixtures/generated/x.tar.gz").</summary>
    public static string Path(string relativePath) => System.IO.Path.Combine(SharedRoot, relativePath);

    /// <summary>The folder holding Lifeboat.slnx.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Lifeboat.slnx"))) return dir.FullName;
            throw new DirectoryNotFoundException($"no Lifeboat.slnx above {AppContext.BaseDirectory}");
        }
    }

    private static string FindSharedRoot()
    {
        if (Environment.GetEnvironmentVariable("LIFEBOAT_SHARED") is { Length: > 0 } configured)
        {
            if (!Directory.Exists(configured)) throw new DirectoryNotFoundException($"LIFEBOAT_SHARED={configured} does not exist");
            return configured;
        }
        // CI lays shared/ beside the clone; a developer's git worktree may sit a level or two deeper
        // (e.g. /work/wt/name with /work/shared), so the nearest ancestor's shared/ wins.
        for (var dir = new DirectoryInfo(RepositoryRoot).Parent; dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(System.IO.Path.Combine(candidate, "reference"))) return candidate;
        }
        throw new DirectoryNotFoundException($"no shared/ folder beside {RepositoryRoot}; set LIFEBOAT_SHARED");
    }

    /// <summary>
    /// Unpacks a .tar.gz with names, modes, symlinks, hard links and mtimes kept exactly (GNU tar; as root it keeps
    /// numeric owners too).
    /// </summary>
    public static void ExtractTarGz(string tarGzPath, string destination)
    {
        Posix.MakeDirectories(destination, 0x1ED); // 0755
        var args = new List<string> { "-xzf", tarGzPath, "-C", destination, "--preserve-permissions", "--numeric-owner" };
        var result = ProcessRunner.Run("tar", args, timeout: TimeSpan.FromMinutes(5));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"tar -xzf {tarGzPath} failed ({result.ExitCode}): {result.Stderr}");
    }
}
