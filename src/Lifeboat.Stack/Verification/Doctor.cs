using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Scenarios;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// The stack's validation checklist: each item pass, warn or fail, with the reason and the fix. It reads and never
/// writes (not even a lock in the repository), and it always gets to the end: a config that does not parse or a
/// repository that does not open fails its own item, and the items that depend on it are reported as skipped.
/// Order: config, secrets, never, repository, password-file, git, then per app its backup, its restore test and its
/// containers (for an app that names some).
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
        if (StackConfigLoader.WritableByOthers(configPath) is { } writable)
        {
            items.Add(DoctorCheck.Fail(DoctorCheck.Config, configPath, writable, $"run chmod go-w {configPath}"));
            SkipAllAfterConfig(items, configPath, "lifeboat.yaml can be changed by others");
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
            catch (Hosting.RepositoryAccessException e) when (e.MissingPasswordFile is { } missing)
            {
                // the advice of the full message is the fix of the items that name it: not said twice in one line
                passwordProblem = $"the password file {missing} does not exist";
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
        List<DoctorCheck>? offsiteTests = null;
        if (config.Offsite is { } offsite)
        {
            var (offsiteItem, offsiteId) = await OffsiteItemAsync(config, offsite, password, passwordProblem, cancellationToken).ConfigureAwait(false);
            items.Add(offsiteItem);
            // the offsite copy is only worth having if it restores: its own restore tests, listed after the primary's
            var offsiteChecks = offsiteId is null ? null : new AppChecks(config, offsiteId, [], options.StateDirectory, options.Now);
            offsiteTests = config.Apps.Select(app => offsiteChecks?.OffsiteRestoreTest(app)
                ?? DoctorCheck.Skip(DoctorCheck.OffsiteRestoreTest, app.Name, "offsite restore test not checked: the offsite repository could not be opened")).ToList();
        }
        items.Add(PlacementItem(config));

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
        if (HooksCheck.Run(config) is { } hooksItem) items.Add(hooksItem);

        var snapshots = repo is null ? null : await repo.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var appChecks = repo is null ? null : new AppChecks(config, repo.Config.Id, snapshots!, options.StateDirectory, options.Now);
        using var docker = new DockerLookup(options.ContainerControl ?? StackServices.ContainerControlFactory);
        foreach (var app in config.Apps)
        {
            items.Add(appChecks?.Backup(app) ?? DoctorCheck.Skip(DoctorCheck.Backup, app.Name, "backup not checked: the repository could not be opened"));
            items.Add(appChecks?.RestoreTest(app) ?? DoctorCheck.Skip(DoctorCheck.RestoreTest, app.Name, "restore test not checked: the repository could not be opened"));
            if (app.Containers.Count > 0)
                items.Add(ContainersCheck.Run(app, await docker.SurveyAsync(app.Containers, cancellationToken).ConfigureAwait(false), configPath));
            var dumpContainers = app.Dumps.Select(d => d.Container).OfType<string>().ToList();
            if (DumpsCheck.Run(app, dumpContainers.Count == 0 ? null : await docker.SurveyAsync(dumpContainers, cancellationToken).ConfigureAwait(false), configPath) is { } dumpsItem)
                items.Add(dumpsItem);
        }
        if (offsiteTests is not null) items.AddRange(offsiteTests);
        return new DoctorReport(items);
    }

    /// <summary>Docker for the containers items: once it is found unreachable, it is not asked again (a hanging daemon costs one timeout).</summary>
    private sealed class DockerLookup(Func<IContainerControl> factory) : IDisposable
    {
        private IContainerControl? _control;
        private string? _unreachable;

        public async Task<ContainerSurvey> SurveyAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
        {
            if (_unreachable is not null) return new ContainerSurvey([], _unreachable);
            var survey = await ContainerSurvey.TakeAsync(() => _control ??= factory(), names, cancellationToken).ConfigureAwait(false);
            _unreachable = survey.Unreachable;
            return survey;
        }

        public void Dispose() => (_control as IDisposable)?.Dispose();
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
        {
            // name only the items that hold the problems: a user sent to a passing item stops trusting the list
            var where = new List<string>();
            if (analysis.InlinePasswords.Count > 0) where.Add(DoctorCheck.Secrets);
            if (analysis.PathsUnderNever.Count > 0) where.Add(DoctorCheck.Never);
            var items = where.Count == 1 ? $"the {where[0]} item" : $"the {string.Join(" and ", where)} items";
            return DoctorCheck.Fail(DoctorCheck.Config, configPath,
                $"{configPath} is refused by every command: {analysis.Problems.Count} problem{(analysis.Problems.Count == 1 ? "" : "s")}, see {items}",
                $"correct the line{(analysis.Problems.Count == 1 ? "" : "s")} named in {items}");
        }
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
                "decide which of the two is wrong: a path under never is left out of every snapshot");
        if (analysis.Config is not { } config)
            return DoctorCheck.Skip(DoctorCheck.Never, configPath, "not checked: lifeboat.yaml does not parse");
        return DoctorCheck.Pass(DoctorCheck.Never, configPath,
            config.Never.Count == 0 ? "no never paths" : $"no app path lies under a never path ({string.Join(", ", config.Never)})");
    }

    /// <summary>Opens the repository without locking it (the doctor only reads), or says why it cannot.</summary>
    private Task<(DoctorCheck Item, Repo? Repository, IBackend? Backend)> OpenRepositoryAsync(StackConfig config, string? password, string? passwordProblem, CancellationToken cancellationToken) =>
        OpenAsync(DoctorCheck.Repository, config.Repository, config.CredentialsFile, password, passwordProblem,
            config.PasswordCommand is not null ? "make password-command print the password"
                : config.PasswordFile is { } file ? $"put the repository password in {file} (mode 0600), from the copy you keep off this machine"
                : "put the repository password in a file (mode 0600) and name it with password-file",
            $"give the right password ({(config.PasswordFile is { } f ? $"in {f}" : "by password-command")}); with a password that works, lifeboat key add adds one for another",
            cancellationToken);

    /// <summary>The offsite repository: reachable, initialized, its password opens it; with its ID when it opened.</summary>
    private async Task<(DoctorCheck Item, string? RepositoryId)> OffsiteItemAsync(StackConfig config, OffsiteConfig offsite, string? primaryPassword, string? primaryProblem, CancellationToken cancellationToken)
    {
        string? password = primaryPassword, problem = primaryProblem;
        // Without a password of its own the offsite repository uses the primary's, already read: not asked for twice.
        if (offsite.HasOwnPassword && options.OffsitePassword is { } get)
        {
            try { password = get(config); }
            catch (Exception e) when (e is not OperationCanceledException) { password = null; problem = e.Message; }
        }
        var (item, repo, backend) = await OpenAsync(DoctorCheck.Offsite, offsite.Repository, offsite.CredentialsFile ?? config.CredentialsFile, password, problem,
            offsite.HasOwnPassword ? "make offsite.password-file or offsite.password-command give the offsite password" : "the offsite repository uses the primary's password: fix that one first",
            "give the offsite repository's password with offsite.password-file (or offsite.password-command)", cancellationToken).ConfigureAwait(false);
        using (backend)
        await using (repo)
        {
            return (item, repo?.Config.Id);
        }
    }

    private async Task<(DoctorCheck Item, Repo? Repository, IBackend? Backend)> OpenAsync(string check, string location, string? credentialsFile,
        string? password, string? passwordProblem, string noPasswordFix, string wrongPasswordFix, CancellationToken cancellationToken)
    {
        var shown = BackendFactory.Redact(location);
        if (password is null)
            return (DoctorCheck.Fail(check, shown, $"not opened: no password: {passwordProblem}", noPasswordFix), null, null);
        IBackend? backend = null;
        try
        {
            backend = options.OpenBackend(location, credentialsFile);
            var repo = await Repo.OpenAsync(backend, password, new RepositoryOptions(), cancellationToken).ConfigureAwait(false);
            return (DoctorCheck.Pass(check, shown, $"{shown} reachable, initialized (version {repo.Version}), the password opens it"), repo, backend);
        }
        catch (RepositoryException e) when (e.Kind == RepositoryErrorKind.NotFound)
        {
            bool local = BackendFactory.SchemeOf(location) is null or "local";
            var path = location.StartsWith("local:", StringComparison.Ordinal) ? location["local:".Length..] : location;
            if (local && !Directory.Exists(path))
                return (DoctorCheck.Fail(check, shown, $"{shown} is not reachable: the directory does not exist",
                    "mount the backup disk (or fix the repository in lifeboat.yaml); for a new repository run lifeboat init"), null, backend);
            return (DoctorCheck.Fail(check, shown, $"{shown} is reachable but not initialized (it has no config file)",
                "run lifeboat init (or fix the repository in lifeboat.yaml if it is elsewhere)"), null, backend);
        }
        catch (RepositoryException e) when (e.Kind == RepositoryErrorKind.WrongPassword)
        {
            return (DoctorCheck.Fail(check, shown, $"{shown} is reachable, but the password opens none of its keys", wrongPasswordFix), null, backend);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // whatever the location or the backend says (an unsupported scheme, a refused credential, an I/O error): the item, not a crash
            return (DoctorCheck.Fail(check, shown, $"{shown} is not reachable: {e.Message}",
                "check the repository location, its credentials, its permissions and the disk or server it is on"), null, backend);
        }
    }

    /// <summary>
    /// Where the primary repository lies against the data it protects: a repository on the same file system as an app's
    /// state goes when that disk or VM goes, which is the disaster a backup is for.
    /// </summary>
    private static DoctorCheck PlacementItem(StackConfig config)
    {
        var location = config.Repository;
        var shown = BackendFactory.Redact(location);
        var scheme = BackendFactory.SchemeOf(location);
        if (scheme is not (null or "local"))
            return DoctorCheck.Pass(DoctorCheck.Placement, shown, $"the repository is off this machine ({scheme})");
        var path = scheme == "local" ? location["local:".Length..] : location;
        if (!TryDevice(path, out var repositoryDevice))
            return DoctorCheck.Skip(DoctorCheck.Placement, shown, "not checked: the repository's directory does not exist");
        foreach (var app in config.Apps)
        {
            foreach (var appPath in app.Paths)
            {
                if (!TryDevice(appPath, out var device) || device != repositoryDevice) continue;
                var offsite = config.Offsite is { } o ? $"; the offsite copy at {BackendFactory.Redact(o.Repository)} is what survives it" : "";
                return DoctorCheck.Warn(DoctorCheck.Placement, shown,
                    $"the repository is on the same file system as {app.Name}'s data ({appPath}): one lost disk or VM takes both{offsite}",
                    config.Offsite is null
                        ? "keep the repository on another machine (sftp:, rest:, s3:, rclone:), or add an offsite: repository there"
                        : "move the primary repository to another disk or machine when you can");
            }
        }
        return DoctorCheck.Pass(DoctorCheck.Placement, shown, "the repository is on another file system than the apps' data");
    }

    /// <summary>The device of a path, or of its nearest existing parent.</summary>
    private static bool TryDevice(string path, out ulong device)
    {
        var current = Path.GetFullPath(path);
        while (true)
        {
            if (Engine.Platform.Posix.TryLStat(current, out var status, out _))
            {
                device = status.Device;
                return true;
            }
            var parent = Path.GetDirectoryName(current);
            if (parent is null || parent == current)
            {
                device = 0;
                return false;
            }
            current = parent;
        }
    }
}
