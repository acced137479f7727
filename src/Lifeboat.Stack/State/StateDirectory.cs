namespace Lifeboat.Stack.State;

/// <summary>
/// Where Lifeboat keeps what it remembers on this machine (restore tests, backup runs, job runs): beside the machine,
/// not in the repository, so the repository stays exactly what restic writes. The records are in STATE/lifeboat.db
/// (<see cref="StateDatabase"/>); earlier versions kept JSON files per repository in STATE/repositories/REPOSITORY-ID/.
/// </summary>
public static class StateDirectory
{
    /// <summary>$LIFEBOAT_STATE_DIR, else $XDG_STATE_HOME/lifeboat, else ~/.local/state/lifeboat.</summary>
    public static string Default()
    {
        var configured = Environment.GetEnvironmentVariable("LIFEBOAT_STATE_DIR");
        if (!string.IsNullOrEmpty(configured)) return Path.GetFullPath(configured);
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "lifeboat");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home)) home = "/root";
        return Path.Combine(home, ".local", "state", "lifeboat");
    }

    /// <summary>The file <paramref name="fileName"/> of one repository's state (the JSON histories of earlier versions).</summary>
    public static string RepositoryFile(string repositoryId, string fileName, string? stateDirectory = null)
    {
        // the ID becomes a directory name: only the hex a repository ID is made of
        if (repositoryId.Length == 0 || repositoryId.Any(c => !char.IsAsciiHexDigit(c)))
            throw new ArgumentException("a repository ID is hexadecimal", nameof(repositoryId));
        return Path.Combine(stateDirectory ?? Default(), "repositories", repositoryId, fileName);
    }
}
