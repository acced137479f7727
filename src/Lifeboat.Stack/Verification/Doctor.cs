using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// The stack's validation checklist: each item pass, warn or fail, with the reason and the fix. It reads and never
/// writes (not even a lock in the repository), and it always gets to the end: a config that does not parse or a
/// repository that does not open fails its own item, and the items that depend on it are reported as skipped.
/// Order: config, secrets, never, repository, password-file, git, then per app its backup and its restore test.
/// </summary>
public sealed class Doctor(DoctorOptions options)
{
    public async Task<DoctorReport> RunAsync(CancellationToken cancellationToken)
    {
        var items = new List<DoctorCheck>();
        var configPath = options.ConfigPath;
        string text;
        try
        {
            text = await File.ReadAllTextAsync(configPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            items.Add(DoctorCheck.Fail(DoctorCheck.Config, configPath, $"cannot read {configPath}: {e.Message}", "make it readable by the user running Lifeboat"));
            SkipAllAfterConfig(items, configPath, "lifeboat.yaml could not be read");
            return new DoctorReport(items);
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? "/";
        var analysis = StackConfigParser.Analyze(text, configPath, directory, options.DefaultHost);
        var config = analysis.Config;

        // the password opens the repository and is what the file and git scans look for
        string? password = null;
        string? passwordProblem = null;
        if (config is not null)
        {
            try
            {
                password = options.Password(config);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                passwordProblem = e.Message;
            }
        }

        items.Add(ConfigItem(configPath, analysis));
        items.Add(SecretsItem(configPath, text, analysis, password));
        items.Add(NeverItem(configPath, analysis));
        if (config is null)
        {
            SkipAllAfterConfig(items, configPath, "lifeboat.yaml does not parse");
            return new DoctorReport(items);
        }

        var (repositoryItem, repo, backend) = await OpenRepositoryAsync(config, password, passwordProblem, cancellationToken).ConfigureAwait(false);
        using var backendScope = backend;
        await using var repoScope = repo;
        items.Add(repositoryItem);

        GitWorkTree? workTree = null;
        string? gitProblem = null;
        try
        {
            workTree = GitWorkTree.Find(directory);
        }
        catch (GitUnavailableException e)
        {
            gitProblem = e.Message;
        }
        items.Add(PasswordFileCheck.Run(config, workTree));
        items.Add(GitCheck.Run(directory, workTree, gitProblem, password, passwordProblem, cancellationToken));

        if (repo is null)
        {
            foreach (var app in config.Apps)
            {
                items.Add(DoctorCheck.Skip(DoctorCheck.Backup, app.Name, "backup not checked: the repository could not be opened"));
                items.Add(DoctorCheck.Skip(DoctorCheck.RestoreTest, app.Name, "restore test not checked: the repository could not be opened"));
            }
            return new DoctorReport(items);
        }
        var snapshots = await repo.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var appChecks = new AppChecks(config, repo.Config.Id, snapshots, options.StateDirectory, options.Now);
        foreach (var app in config.Apps)
        {
            items.Add(appChecks.Backup(app));
            items.Add(appChecks.RestoreTest(app));
        }
        return new DoctorReport(items);
    }

    private static void SkipAllAfterConfig(List<DoctorCheck> items, string configPath, string why)
    {
        if (items.Count == 1)
        {
            items.Add(DoctorCheck.Skip(DoctorCheck.Secrets, configPath, $"not checked: {why}"));
            items.Add(DoctorCheck.Skip(DoctorCheck.Never, configPath, $"not checked: {why}"));
        }
        foreach (var check in (string[])[DoctorCheck.Repository, DoctorCheck.PasswordFile, DoctorCheck.Git])
            items.Add(DoctorCheck.Skip(check, configPath, $"not checked: {why} (and it names the repository, the password and the apps)"));
    }

    private static DoctorCheck ConfigItem(string configPath, StackConfigAnalysis analysis)
    {
        if (analysis.Error is { } error)
            return DoctorCheck.Fail(DoctorCheck.Config, configPath, error.Message, "correct the line named; every other command refuses the file until then");
        if (analysis.Problems.Count > 0)
            return DoctorCheck.Fail(DoctorCheck.Config, configPath,
                $"{configPath} is refused by every command: {analysis.Problems.Count} problem{(analysis.Problems.Count == 1 ? "" : "s")}, see the secrets and never items",
                "correct the lines named there");
        var apps = analysis.Config!.Apps;
        return DoctorCheck.Pass(DoctorCheck.Config, configPath, $"{configPath} is valid: {apps.Count} app{(apps.Count == 1 ? "" : "s")} ({string.Join(", ", apps.Select(a => a.Name))})");
    }

    private static DoctorCheck SecretsItem(string configPath, string text, StackConfigAnalysis analysis, string? password)
    {
        var findings = analysis.InlinePasswords.Select(e => e.Message).ToList();
        findings.AddRange(ConfigSecretScan.Find(text, password).Select(f => $"{configPath}: {f}"));
        if (findings.Count == 0)
            return DoctorCheck.Pass(DoctorCheck.Secrets, configPath, $"no inline secrets in {configPath}{(password is null ? " (the repository password itself was not searched for: it could not be read)" : "")}");
        return DoctorCheck.Fail(DoctorCheck.Secrets, configPath, string.Join("; ", findings),
            "remove the secret from the file (keep the password in a file named by password-file, or behind password-command), and if the file was ever committed or copied, change the password: lifeboat key passwd");
    }

    private static DoctorCheck NeverItem(string configPath, StackConfigAnalysis analysis)
    {
        if (analysis.PathsUnderNever.Count > 0)
            return DoctorCheck.Fail(DoctorCheck.Never, configPath, string.Join("; ", analysis.PathsUnderNever.Select(e => e.Message)),
                "remove the app path or the never path (never paths are left out of every snapshot)");
        if (analysis.Config is not { } config)
            return DoctorCheck.Skip(DoctorCheck.Never, configPath, "not checked: lifeboat.yaml does not parse");
        return DoctorCheck.Pass(DoctorCheck.Never, configPath,
            config.Never.Count == 0 ? "no never paths" : $"no app path lies under a never path ({string.Join(", ", config.Never)})");
    }

    /// <summary>Opens the repository without locking it (the doctor only reads), or says why it cannot.</summary>
    private async Task<(DoctorCheck Item, Repo? Repository, IBackend? Backend)> OpenRepositoryAsync(StackConfig config, string? password, string? passwordProblem, CancellationToken cancellationToken)
    {
        var location = config.Repository;
        if (password is null)
            return (DoctorCheck.Fail(DoctorCheck.Repository, location, $"not opened: no password: {passwordProblem}",
                config.PasswordCommand is not null ? "make password-command print the password" : $"put the repository password in {config.PasswordFile ?? "a file"} (mode 0600) and name it with password-file"), null, null);
        IBackend? backend = null;
        try
        {
            backend = options.OpenBackend(location);
            var repo = await Repo.OpenAsync(backend, password, new RepositoryOptions(), cancellationToken).ConfigureAwait(false);
            return (DoctorCheck.Pass(DoctorCheck.Repository, location, $"{location} reachable, initialized (version {repo.Version}), the password opens it"), repo, backend);
        }
        catch (RepositoryException e) when (e.Kind == RepositoryErrorKind.NotFound)
        {
            bool local = !location.Contains(':') || location.StartsWith("local:", StringComparison.Ordinal);
            var path = location.StartsWith("local:", StringComparison.Ordinal) ? location["local:".Length..] : location;
            if (local && !Directory.Exists(path))
                return (DoctorCheck.Fail(DoctorCheck.Repository, location, $"{location} is not reachable: the directory does not exist",
                    "mount the backup disk (or fix repository: in lifeboat.yaml); for a new repository run lifeboat init"), null, backend);
            return (DoctorCheck.Fail(DoctorCheck.Repository, location, $"{location} is reachable but not initialized (it has no config file)",
                "run lifeboat init (or fix repository: in lifeboat.yaml if the repository is elsewhere)"), null, backend);
        }
        catch (RepositoryException e) when (e.Kind == RepositoryErrorKind.WrongPassword)
        {
            return (DoctorCheck.Fail(DoctorCheck.Repository, location, $"{location} is reachable, but the password opens none of its keys",
                $"give the right password ({(config.PasswordFile is { } f ? $"in {f}" : "by password-command")}); with a password that works, lifeboat key add adds one for another"), null, backend);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // whatever the location or the backend says (an unsupported scheme, an I/O error): the item, not a crash
            return (DoctorCheck.Fail(DoctorCheck.Repository, location, $"{location} is not reachable: {e.Message}",
                "check the repository location, its permissions and the disk or server it is on"), null, backend);
        }
    }
}
