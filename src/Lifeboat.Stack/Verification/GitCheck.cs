namespace Lifeboat.Stack.Verification;

/// <summary>
/// The stack's git repository (the one lifeboat.yaml's directory is in, if any): no file in its work tree, index or
/// history holds the repository password or a restic key file.
/// </summary>
public static class GitCheck
{
    /// <summary>How many findings are named one by one; the rest are counted.</summary>
    private const int Named = 5;

    public static DoctorCheck Run(string configDirectory, GitWorkTree? workTree, string? gitProblem, string? password, string? passwordProblem, CancellationToken cancellationToken)
    {
        if (gitProblem is not null)
            return HasDotGit(configDirectory)
                ? DoctorCheck.Warn(DoctorCheck.Git, configDirectory, $"{configDirectory} looks like a git work tree, but {gitProblem}", "install git (apt install git) so that its history can be searched for the password")
                : DoctorCheck.Pass(DoctorCheck.Git, configDirectory, $"{configDirectory} is not in a git work tree: nothing to search");
        if (workTree is null)
            return DoctorCheck.Pass(DoctorCheck.Git, configDirectory, $"{configDirectory} is not in a git work tree: nothing to search");

        var matcher = new SecretMatcher(password);
        var scan = new GitSecretScan(workTree, matcher);
        IReadOnlyList<GitSecretFinding> findings;
        try
        {
            findings = scan.Run(cancellationToken);
        }
        catch (StackException e)
        {
            return DoctorCheck.Fail(DoctorCheck.Git, workTree.TopLevel, $"could not search {workTree.TopLevel}: {e.Message}", "run git fsck there and correct what it reports");
        }

        var top = workTree.TopLevel;
        if (findings.Count > 0)
        {
            var named = findings.Take(Named).Select(f => $"{f.What} in {f.Path} ({f.Where})").ToList();
            if (findings.Count > Named) named.Add($"and {findings.Count - Named} more");
            bool inHistory = findings.Any(f => f.Commit is not null);
            var paths = findings.Where(f => f.Commit is not null && f.Path != "(commit message)").Select(f => f.Path).Distinct().Take(Named).ToList();
            var fix = (inHistory
                    ? $"remove it from every commit (e.g. git filter-repo --invert-paths {string.Join(" ", paths.Select(p => "--path " + Quote(p)))}), then force-push and have every clone re-cloned; "
                    : "remove it from the work tree and the index (git rm --cached FILE, then add it to .gitignore or move it away); ")
                + "treat the password as leaked: change it with lifeboat key passwd";
            return DoctorCheck.Fail(DoctorCheck.Git, top, $"{top}: {string.Join("; ", named)}", fix);
        }
        if (!matcher.SearchesPassword)
        {
            var why = password is null ? $"the password could not be read ({passwordProblem})" : $"the password is shorter than {SecretMatcher.MinSearchableLength} characters, too short to search for";
            return password is null
                ? DoctorCheck.Skip(DoctorCheck.Git, top, $"{top}: no restic key file in {scan.ObjectsScanned} objects and files; not searched for the password: {why}")
                : DoctorCheck.Warn(DoctorCheck.Git, top, $"{top}: no restic key file in {scan.ObjectsScanned} objects and files; not searched for the password: {why}", "use a long random password (lifeboat key passwd)");
        }
        return DoctorCheck.Pass(DoctorCheck.Git, top, $"{top}: neither the password nor a key file in the work tree, the index or the history ({scan.ObjectsScanned} objects and files searched)");
    }

    private static bool HasDotGit(string directory)
    {
        for (var d = directory; d is not null; d = Path.GetDirectoryName(d))
            if (Path.Exists(Path.Combine(d, ".git"))) return true;
        return false;
    }

    private static string Quote(string path) => path.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-') ? path : "'" + path.Replace("'", "'\\''") + "'";
}
