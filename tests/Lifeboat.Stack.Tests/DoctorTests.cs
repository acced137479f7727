using System.Text.Json;
using Lifeboat.Engine.Platform;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// `lifeboat doctor` end to end with the real binary, real git and a real repository: every checklist item seen
/// failing and then passing, the exit codes 0/1/2 and the --json shape. The password is never in any output.
/// </summary>
public class DoctorTests : IDisposable
{
    private const string Password = "doctor-test-password-5b1e9c";
    private readonly TempDirectory _temp = new("lifeboat-doctor");
    // the backup disk: another file system than the data's, as the placement item wants it
    private readonly TempDirectory _backupDisk = TempDirectory.OnAnotherFileSystem("lifeboat-doctor-repo");
    private readonly List<string> _mounts = [];

    private string ConfigDirectory => _temp.Combine("etc");
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string PasswordFile => _temp.Combine("secrets/password");
    private string RepoPath => _backupDisk.Combine("repo");
    private string StateDir => _temp.Combine("state");
    private string PlexPath => _temp.Combine("data/plex");
    private string SonarrPath => _temp.Combine("data/sonarr");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath).With("LIFEBOAT_STATE_DIR", StateDir);
    private LifeboatCli Engine => new LifeboatCli(RepoPath, Password).With("LIFEBOAT_STATE_DIR", StateDir);

    public DoctorTests()
    {
        Write("data/plex/Preferences.xml", "<Preferences/>");
        Write("data/sonarr/config.xml", "<sonarr/>");
        Write("data/media/movie.mkv", "media");
        WritePasswordFile(Password);
        WriteConfig();
    }

    [Fact]
    public void Hooks_item_names_each_hook_that_cannot_start_and_passes_when_all_can()
    {
        HealthyStack();
        // a script beside lifeboat.yaml without chmod +x, and a program that is nowhere
        Write("etc/scripts/wait-idle.sh", "#!/bin/sh\nexit 0\n");
        WriteConfig(extra: "hooks:\n  backup:\n    after: {shell: \"true\"}", sonarrExtra: "    hooks:\n      backup:\n        before: ./scripts/wait-idle.sh sonarr\n      restore:\n        after: sonarr-reload --now");
        var (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Equal("fail", StatusOf(items, "hooks"));
        var reason = ReasonOf(items, "hooks");
        Assert.Contains("apps.sonarr.hooks.backup.before (line ", reason);
        Assert.Contains("./scripts/wait-idle.sh is not executable; chmod +x it", reason);
        Assert.Contains("apps.sonarr.hooks.restore.after (line ", reason);
        Assert.Contains("sonarr-reload was not found in PATH", reason);
        Assert.DoesNotContain("hooks.backup.after", reason); // /bin/sh is there

        File.SetUnixFileMode(_temp.Combine("etc/scripts/wait-idle.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        WriteConfig(extra: "hooks:\n  backup:\n    after: {shell: \"true\"}", sonarrExtra: "    hooks:\n      backup:\n        before: ./scripts/wait-idle.sh sonarr\n      restore:\n        after: true");
        (exit, items, _) = Doctor();
        Assert.Equal("pass", StatusOf(items, "hooks"));
        Assert.Equal("3 hooks: every program is there and executable", ReasonOf(items, "hooks"));
    }

    public void Dispose()
    {
        foreach (var mount in _mounts) ProcessRunner.Run("umount", [mount]);
        _temp.Dispose();
        _backupDisk.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Write(string relative, string content)
    {
        var path = _temp.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private void WritePasswordFile(string password)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PasswordFile)!);
        File.WriteAllText(PasswordFile, password + "\n");
        File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private void WriteConfig(string extra = "", string sonarrExtra = "", string? passwordFile = null)
    {
        Directory.CreateDirectory(ConfigDirectory);
        File.WriteAllText(ConfigPath, $"""
            repository: {RepoPath}
            password-file: {passwordFile ?? PasswordFile}
            host: media-vm
            apps:
              plex:
                paths: [{PlexPath}]
              sonarr:
                paths: [{SonarrPath}]
            {sonarrExtra}
            never: [{_temp.Combine("data/media")}]
            {extra}
            """);
    }

    /// <summary>Runs doctor --json; checks that its output never holds the password and the exit code matches the status.</summary>
    private (int ExitCode, List<JsonElement> Items, string Status) Doctor()
    {
        var r = Cli.Run("doctor", "--json");
        AssertNoPassword(r);
        Assert.True(r.ExitCode is 0 or 1 or 2, $"doctor exited {r.ExitCode}: {r.Stderr}");
        using var doc = JsonDocument.Parse(r.Stdout);
        var items = doc.RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone()).ToList();
        var status = doc.RootElement.GetProperty("status").GetString()!;
        Assert.Equal(status switch { "pass" => 0, "warn" => 2, _ => 1 }, r.ExitCode);
        return (r.ExitCode, items, status);
    }

    private static void AssertNoPassword(ProcessResult r)
    {
        Assert.DoesNotContain(Password, r.Stdout + r.Stderr);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Password)), r.Stdout + r.Stderr);
    }

    private static JsonElement Item(List<JsonElement> items, string check, string? subject = null) =>
        Assert.Single(items, i => i.GetProperty("check").GetString() == check && (subject is null || i.GetProperty("subject").GetString() == subject));

    private static string StatusOf(List<JsonElement> items, string check, string? subject = null) => Item(items, check, subject).GetProperty("status").GetString()!;

    private static string ReasonOf(List<JsonElement> items, string check, string? subject = null) => Item(items, check, subject).GetProperty("reason").GetString()!;

    private static string FixOf(List<JsonElement> items, string check, string? subject = null) => Item(items, check, subject).GetProperty("fix").GetString() ?? "";

    private string RepositoryId()
    {
        using var doc = JsonDocument.Parse(Engine.RunChecked("cat", "config").Stdout);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    private void RecordRestoreTest(string app, bool passed, TimeSpan ago, params string[] problems) =>
        new RestoreTestLog(RepositoryId(), StateDir).Append([new RestoreTestRecord
        {
            Time = DateTimeOffset.Now - ago, App = app, Host = "media-vm", SnapshotId = new string('a', 64), SnapshotTime = DateTimeOffset.Now - ago,
            Passed = passed, Problems = problems,
        }]);

    /// <summary>A repository with a fresh, complete backup and a passed restore test of every app: doctor passes.</summary>
    private void HealthyStack()
    {
        Cli.RunChecked("init");
        Cli.RunChecked("backup");
        RecordRestoreTest("plex", passed: true, TimeSpan.FromHours(1));
        RecordRestoreTest("sonarr", passed: true, TimeSpan.FromHours(1));
        var (exit, items, _) = Doctor();
        Assert.True(exit == 0, string.Join("\n", items.Where(i => i.GetProperty("status").GetString() != "pass").Select(i => i.ToString())));
    }

    private static void Git(string directory, params string[] args)
    {
        var r = ProcessRunner.Run("git", ["-C", directory, "-c", "user.name=Doctor Test", "-c", "user.email=doctor@test.invalid", "-c", "init.defaultBranch=main", .. args]);
        Assert.True(r.Succeeded, $"git {string.Join(' ', args)}: {r.Stderr}");
    }

    private static string GitOutput(string directory, params string[] args) => ProcessRunner.Run("git", ["-C", directory, .. args]).Stdout.Trim();

    [Fact]
    public void AllPassIsExitZeroAndTheJsonShape()
    {
        HealthyStack();
        var r = Cli.Run("doctor", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(["items", "status"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("pass", doc.RootElement.GetProperty("status").GetString());
        var items = doc.RootElement.GetProperty("items").EnumerateArray().ToList();
        foreach (var item in items)
        {
            Assert.Equal(["check", "subject", "status", "reason", "fix"], item.EnumerateObject().Select(p => p.Name));
            Assert.Equal("pass", item.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, item.GetProperty("fix").ValueKind);
        }
        Assert.Equal(["config", "secrets", "never", "repository", "placement", "password-file", "git", "backup", "restore-test", "backup", "restore-test"],
            items.Select(i => i.GetProperty("check").GetString()));
        Assert.Equal(["plex", "plex", "sonarr", "sonarr"], items.Skip(7).Select(i => i.GetProperty("subject").GetString()));

        var text = Cli.Run("doctor");
        Assert.Equal(0, text.ExitCode);
        var lines = text.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length);
        Assert.All(lines[..11], l => Assert.StartsWith("[pass] ", l));
        Assert.Contains("[pass] placement: the repository is on another file system than the apps' data", lines);
        Assert.Contains(lines, l => l.StartsWith($"[pass] repository: {RepoPath} reachable, initialized (version 2)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("[pass] plex: newest backup is ", StringComparison.Ordinal));
        Assert.Equal("doctor: 11 checks, 11 passed: all good", lines[^1]);
    }

    [Fact]
    public void A_config_others_can_change_is_refused_by_every_command_and_failed_by_the_doctor()
    {
        HealthyStack();
        // its hooks run as whoever runs lifeboat (root): a group- or world-writable file is someone else's commands
        foreach (var mode in new[] { "0664", "0666" })
        {
            Assert.True(ProcessRunner.Run("chmod", [mode, ConfigPath]).Succeeded);
            var backup = Cli.Run("backup");
            Assert.Equal(1, backup.ExitCode);
            Assert.Contains($"config file {ConfigPath} can be changed by {(mode == "0666" ? "anyone" : "its group")} (mode {mode}), and its hooks and dumps run commands as this user: run chmod go-w {ConfigPath}", backup.Stderr);
            Assert.DoesNotContain("   at ", backup.Stderr);
            var (exit, items, _) = Doctor();
            Assert.Equal(1, exit);
            Assert.Equal("fail", StatusOf(items, "config"));
            Assert.Equal($"run chmod go-w {ConfigPath}", FixOf(items, "config"));
            Assert.Equal("skip", StatusOf(items, "repository"));
        }
        Assert.True(ProcessRunner.Run("chmod", ["0644", ConfigPath]).Succeeded);
        Assert.Equal(0, Cli.Run("backup").ExitCode);
    }

    [Fact]
    public void UninitializedRepositoryFailsUntilInit()
    {
        var (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Equal("fail", StatusOf(items, "repository"));
        Assert.Contains("not reachable", ReasonOf(items, "repository")); // not even the directory
        Directory.CreateDirectory(RepoPath);
        (_, items, _) = Doctor();
        Assert.Contains("reachable but not initialized", ReasonOf(items, "repository"));
        Assert.Contains("lifeboat init", FixOf(items, "repository"));
        // what needs the repository is skipped, not failed twice
        Assert.Equal("skip", StatusOf(items, "backup", "plex"));
        Assert.Equal("skip", StatusOf(items, "restore-test", "sonarr"));

        Cli.RunChecked("init");
        (_, items, _) = Doctor();
        Assert.Equal("pass", StatusOf(items, "repository"));
        Assert.Contains("initialized (version 2)", ReasonOf(items, "repository"));
        Assert.Equal("fail", StatusOf(items, "backup", "plex")); // now checked
    }

    [Fact]
    public void WrongPasswordFailsUntilTheRightOne()
    {
        Cli.RunChecked("init");
        WritePasswordFile("not-the-password-at-all");
        var (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Equal("fail", StatusOf(items, "repository"));
        Assert.Contains("the password opens none of its keys", ReasonOf(items, "repository"));
        Assert.Contains(PasswordFile, FixOf(items, "repository"));
        Assert.Equal("skip", StatusOf(items, "backup", "plex"));

        WritePasswordFile(Password);
        (_, items, _) = Doctor();
        Assert.Equal("pass", StatusOf(items, "repository"));
    }

    [Fact]
    public void NoBackupAndAnOldBackupFailUntilAFreshOne()
    {
        Cli.RunChecked("init");
        var (_, items, _) = Doctor();
        Assert.Equal("fail", StatusOf(items, "backup", "plex"));
        Assert.Contains("no backup yet", ReasonOf(items, "backup", "plex"));
        Assert.Equal("run lifeboat backup plex", FixOf(items, "backup", "plex"));

        // an old snapshot with the app's tag and the config's host, made by the restic-style command
        Engine.RunChecked("backup", "--tag", "app:plex", "--host", "media-vm", "--time", "2020-01-01 03:00:00", PlexPath);
        (_, items, _) = Doctor();
        Assert.Equal("fail", StatusOf(items, "backup", "plex"));
        Assert.Matches(@"^newest backup is \d+ days old \(snapshot [0-9a-f]{8} of 2020-01-01 03:00; limit 26h\)$", ReasonOf(items, "backup", "plex"));
        // another host's snapshot of the app does not count
        Engine.RunChecked("backup", "--tag", "app:plex", "--host", "other-vm", PlexPath);
        (_, items, _) = Doctor();
        Assert.Equal("fail", StatusOf(items, "backup", "plex"));

        // the threshold is the config's
        WriteConfig(extra: "doctor: {backup-max-age: 5000d}");
        (_, items, _) = Doctor();
        Assert.Equal("pass", StatusOf(items, "backup", "plex"));
        Assert.Contains("limit 5000d", ReasonOf(items, "backup", "plex"));
        WriteConfig();

        Cli.RunChecked("backup", "plex");
        (_, items, _) = Doctor();
        Assert.Equal("pass", StatusOf(items, "backup", "plex"));
        Assert.Matches(@"^newest backup is \d+ minutes? old \(snapshot [0-9a-f]{8}; limit 26h\), complete$", ReasonOf(items, "backup", "plex"));
        Assert.Equal("fail", StatusOf(items, "backup", "sonarr"));
    }

    [Fact]
    public void PartialBackupIsTaggedAndWarnsUntilACleanOne()
    {
        if (Posix.GetUid() != 0) Assert.Skip("needs root: bind-mounts a write-only sysfs file, which even root cannot read");
        var find = ProcessRunner.Run("find", ["/sys/kernel", "/sys/devices", "-type", "f", "-perm", "0200", "-print", "-quit"]);
        var writeOnly = find.Stdout.Trim();
        if (writeOnly.Length == 0) Assert.Skip("no write-only sysfs file to bind-mount");
        HealthyStack();

        var unreadable = Path.Combine(PlexPath, "unreadable");
        File.WriteAllText(unreadable, "");
        var mount = ProcessRunner.Run("mount", ["--bind", writeOnly, unreadable]);
        if (mount.ExitCode != 0) Assert.Skip("cannot bind-mount here: " + mount.Stderr);
        _mounts.Add(unreadable);

        var backup = Cli.Run("backup", "plex");
        Assert.Equal(3, backup.ExitCode);
        Assert.Contains("tagged partial", backup.Stdout);
        using (var doc = JsonDocument.Parse(Cli.RunChecked("snapshots", "plex", "--json").Stdout))
        {
            var newest = doc.RootElement[0].GetProperty("snapshots").EnumerateArray().Last();
            Assert.Equal(["app:plex", "partial"], newest.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }
        var run = new BackupRunLog(RepositoryId(), StateDir).Latest("plex");
        Assert.Equal(BackupRunRecord.Partial, run!.Outcome);

        // warnings only: exit code 2
        var (exit, items, status) = Doctor();
        Assert.Equal(2, exit);
        Assert.Equal("warn", status);
        Assert.Equal("warn", StatusOf(items, "backup", "plex"));
        Assert.Contains("is partial: some files could not be read", ReasonOf(items, "backup", "plex"));
        Assert.Contains("lifeboat backup plex", FixOf(items, "backup", "plex"));
        var text = Cli.Run("doctor");
        Assert.Equal(2, text.ExitCode);
        Assert.Contains("[warn] plex: newest backup (snapshot ", text.Stdout);
        Assert.EndsWith("1 warning: warnings only\n", text.Stdout);

        ProcessRunner.Run("umount", [unreadable]);
        _mounts.Remove(unreadable);
        Cli.RunChecked("backup", "plex");
        (exit, items, _) = Doctor();
        Assert.Equal(0, exit);
        Assert.Equal("pass", StatusOf(items, "backup", "plex"));
    }

    [Fact]
    public void AFailedLastRunFailsEvenWithAYoungSnapshotUntilARunSucceeds()
    {
        HealthyStack();
        // consistency: stop with no Docker to talk to: the app's backup fails and leaves no snapshot
        WriteConfig(sonarrExtra: "    consistency: stop\n    containers: [sonarr]");
        var failed = Cli.With("DOCKER_HOST", "unix://" + _temp.Combine("no-docker.sock")).Run("backup", "sonarr");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("sonarr: FAILED", failed.Stderr);
        var run = new BackupRunLog(RepositoryId(), StateDir).Latest("sonarr");
        Assert.Equal(BackupRunRecord.Failed, run!.Outcome);
        Assert.Null(run.SnapshotId);
        Assert.False(string.IsNullOrEmpty(run.Error));

        var (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Equal("fail", StatusOf(items, "backup", "sonarr"));
        Assert.Contains("the last backup run (", ReasonOf(items, "backup", "sonarr"));
        Assert.Contains(") failed: ", ReasonOf(items, "backup", "sonarr"));
        Assert.Equal("pass", StatusOf(items, "backup", "plex"));

        WriteConfig();
        Cli.RunChecked("backup", "sonarr");
        (exit, items, _) = Doctor();
        Assert.Equal(0, exit);
        Assert.Equal("pass", StatusOf(items, "backup", "sonarr"));
    }

    [Fact]
    public void RestoreTestMissingFailedOrOldFailsUntilAPassedOne()
    {
        Cli.RunChecked("init");
        Cli.RunChecked("backup");
        var (_, items, _) = Doctor();
        Assert.Equal("fail", StatusOf(items, "restore-test", "plex"));
        Assert.Equal("no restore test recorded on this machine", ReasonOf(items, "restore-test", "plex"));
        Assert.Equal("run lifeboat verify plex", FixOf(items, "restore-test", "plex"));

        RecordRestoreTest("plex", passed: false, TimeSpan.FromHours(2), "Preferences.xml: content differs", "x.db: integrity_check failed");
        (_, items, _) = Doctor();
        Assert.Equal("fail", StatusOf(items, "restore-test", "plex"));
        Assert.Contains("failed: Preferences.xml: content differs (and 1 more)", ReasonOf(items, "restore-test", "plex"));

        RecordRestoreTest("plex", passed: true, TimeSpan.FromDays(40));
        RecordRestoreTest("plex", passed: false, TimeSpan.FromDays(41)); // older: does not matter
        (_, items, _) = Doctor();
        Assert.Equal("fail", StatusOf(items, "restore-test", "plex")); // the newest record is still the failed one
        RecordRestoreTest("sonarr", passed: true, TimeSpan.FromDays(40));
        (_, items, _) = Doctor();
        Assert.Equal("fail", StatusOf(items, "restore-test", "sonarr"));
        Assert.Matches(@"^the last restore test is 40 days old \(limit 30d\)$", ReasonOf(items, "restore-test", "sonarr"));

        WriteConfig(extra: "doctor:\n  restore-test-max-age: 6w");
        (_, items, _) = Doctor();
        Assert.Equal("pass", StatusOf(items, "restore-test", "sonarr"));
        WriteConfig();

        RecordRestoreTest("plex", passed: true, TimeSpan.FromMinutes(5));
        RecordRestoreTest("sonarr", passed: true, TimeSpan.FromMinutes(5));
        var (exit, after, _) = Doctor();
        Assert.Equal(0, exit);
        Assert.Matches(@"^restore test passed \d+ minutes ago \(snapshot aaaaaaaa; limit 30d\)$", ReasonOf(after, "restore-test", "plex"));
    }

    [Fact]
    public void PasswordFileModeOwnerAndExistence()
    {
        HealthyStack();
        File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Equal("fail", StatusOf(items, "password-file"));
        Assert.Contains("has mode 0644: other users may read it", ReasonOf(items, "password-file"));
        Assert.Equal($"chmod 600 {PasswordFile}", FixOf(items, "password-file"));
        File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead);
        (exit, items, _) = Doctor();
        Assert.Equal(0, exit); // 0400 is stricter than 0600
        Assert.Contains("mode 0400", ReasonOf(items, "password-file"));

        Posix.LChown(PasswordFile, 1234, 1234);
        (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Contains("belongs to uid 1234, not to root (uid 0) who runs Lifeboat", ReasonOf(items, "password-file"));
        Assert.Equal($"chown root {PasswordFile}", FixOf(items, "password-file"));
        Posix.LChown(PasswordFile, 0, 0);
        Assert.Equal(0, Doctor().ExitCode);

        var moved = _temp.Combine("secrets/moved");
        File.Move(PasswordFile, moved);
        (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Equal($"{PasswordFile} does not exist", ReasonOf(items, "password-file"));
        Assert.Equal("fail", StatusOf(items, "repository")); // no password to open it with
        File.Move(moved, PasswordFile);
        Assert.Equal(0, Doctor().ExitCode);
    }

    [Fact]
    public void PasswordCommandPassesWithANote()
    {
        HealthyStack();
        File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath).Replace($"password-file: {PasswordFile}", $"password-command: cat {PasswordFile}"));
        var (exit, items, _) = Doctor();
        Assert.Equal(0, exit);
        Assert.Contains("password-command is used", ReasonOf(items, "password-file"));
    }

    [Fact]
    public void PasswordFileInsideTheGitWorkTreeFails()
    {
        HealthyStack();
        Git(ConfigDirectory, "init", "-q");
        Git(ConfigDirectory, "add", "lifeboat.yaml");
        Git(ConfigDirectory, "commit", "-q", "-m", "stack");
        Assert.Equal(0, Doctor().ExitCode);

        var inside = Path.Combine(ConfigDirectory, "password");
        File.Copy(PasswordFile, inside);
        File.SetUnixFileMode(inside, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteConfig(passwordFile: inside);
        Git(ConfigDirectory, "commit", "-q", "-a", "-m", "password-file moved");
        var (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Equal("fail", StatusOf(items, "password-file"));
        Assert.Contains($"is inside the git work tree {ConfigDirectory}", ReasonOf(items, "password-file"));
        // not committed, but git add -A would take it
        Assert.Equal("fail", StatusOf(items, "git"));
        Assert.Contains("the repository password in password (uncommitted, in the work tree)", ReasonOf(items, "git"));

        // ignored by git: still inside the work tree, but no longer a file a commit would take
        File.WriteAllText(Path.Combine(ConfigDirectory, ".gitignore"), "password\n");
        (_, items, _) = Doctor();
        Assert.Equal("fail", StatusOf(items, "password-file"));
        Assert.Equal("pass", StatusOf(items, "git"));

        File.Delete(inside);
        File.Delete(Path.Combine(ConfigDirectory, ".gitignore"));
        WriteConfig();
        Assert.Equal(0, Doctor().ExitCode);
    }

    [Fact]
    public void PasswordInGitHistoryFailsNamingCommitAndPathUntilAFreshRepository()
    {
        HealthyStack();
        Git(ConfigDirectory, "init", "-q");
        File.WriteAllText(Path.Combine(ConfigDirectory, "notes.txt"), $"restic password: {Password}\n");
        Git(ConfigDirectory, "add", "-A");
        Git(ConfigDirectory, "commit", "-q", "-m", "stack with notes");
        var leaked = GitOutput(ConfigDirectory, "rev-parse", "HEAD");
        File.Delete(Path.Combine(ConfigDirectory, "notes.txt"));
        Git(ConfigDirectory, "commit", "-q", "-a", "-m", "remove the notes");
        Assert.False(File.Exists(Path.Combine(ConfigDirectory, "notes.txt")));

        var (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Equal("fail", StatusOf(items, "git"));
        Assert.Equal(ConfigDirectory, Item(items, "git").GetProperty("subject").GetString());
        Assert.Contains($"the repository password in notes.txt (commit {leaked[..8]})", ReasonOf(items, "git"));
        Assert.Contains("git filter-repo --invert-paths --path notes.txt", FixOf(items, "git"));
        Assert.Contains("lifeboat key passwd", FixOf(items, "git"));
        var text = Cli.Run("doctor");
        AssertNoPassword(text);
        Assert.Contains($"[FAIL] git: {ConfigDirectory}: the repository password in notes.txt (commit {leaked[..8]})", text.Stdout);

        // base64 of the password, as a Kubernetes secret holds it, in a later commit
        File.WriteAllText(Path.Combine(ConfigDirectory, "secret.yaml"), $"data:\n  password: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Password))}\n");
        Git(ConfigDirectory, "add", "-A");
        Git(ConfigDirectory, "commit", "-q", "-m", "k8s");
        (_, items, _) = Doctor();
        Assert.Contains("the repository password (base64) in secret.yaml (commit ", ReasonOf(items, "git"));

        // a fresh repository without either
        FileTrees.Remove(Path.Combine(ConfigDirectory, ".git"));
        File.Delete(Path.Combine(ConfigDirectory, "secret.yaml"));
        Git(ConfigDirectory, "init", "-q");
        Git(ConfigDirectory, "add", "-A");
        Git(ConfigDirectory, "commit", "-q", "-m", "stack");
        (exit, items, _) = Doctor();
        Assert.Equal(0, exit);
        Assert.Contains("neither the password nor a key file", ReasonOf(items, "git"));
    }

    [Fact]
    public void KeyFileInGitFailsAlsoWhenOnlyStaged()
    {
        HealthyStack();
        Git(ConfigDirectory, "init", "-q");
        var key = Directory.GetFiles(Path.Combine(RepoPath, "keys")).Single();
        File.Copy(key, Path.Combine(ConfigDirectory, "repo-key.json"));
        Git(ConfigDirectory, "add", "-A");
        var (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Contains("a restic key file in repo-key.json (staged, not committed)", ReasonOf(items, "git"));

        Git(ConfigDirectory, "commit", "-q", "-m", "backup the key");
        var commit = GitOutput(ConfigDirectory, "rev-parse", "HEAD");
        (_, items, _) = Doctor();
        Assert.Contains($"a restic key file in repo-key.json (commit {commit[..8]})", ReasonOf(items, "git"));

        FileTrees.Remove(Path.Combine(ConfigDirectory, ".git"));
        File.Delete(Path.Combine(ConfigDirectory, "repo-key.json"));
        Git(ConfigDirectory, "init", "-q");
        Assert.Equal(0, Doctor().ExitCode);
    }

    [Fact]
    public void InlineSecretsInTheConfigFail()
    {
        HealthyStack();
        // refused by the parser, reported without the value; the rest is still checked
        File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath) + "password: hunter2-inline\n");
        var r = Cli.Run("doctor", "--json");
        Assert.Equal(1, r.ExitCode);
        Assert.DoesNotContain("hunter2-inline", r.Stdout + r.Stderr);
        var (_, items, _) = Doctor();
        Assert.Equal("fail", StatusOf(items, "secrets"));
        Assert.Contains("key \"password\": a password is never written in lifeboat.yaml", ReasonOf(items, "secrets"));
        Assert.Equal("fail", StatusOf(items, "config"));
        Assert.Equal("pass", StatusOf(items, "repository"));

        // accepted by the parser, found in the text: the password in a comment, an environment assignment
        WriteConfig(extra: $"# the old one was {Password}\n# run as RESTIC_PASSWORD=abc123def lifeboat backup");
        (_, items, _) = Doctor();
        Assert.Equal("pass", StatusOf(items, "config"));
        Assert.Equal("fail", StatusOf(items, "secrets"));
        var reason = ReasonOf(items, "secrets");
        Assert.Matches(@"line \d+: the repository password itself", reason);
        Assert.Matches(@"line \d+: a RESTIC_PASSWORD=\.\.\. assignment", reason);
        Assert.DoesNotContain("abc123def", reason);

        WriteConfig();
        Assert.Equal(0, Doctor().ExitCode);
    }

    [Fact]
    public void AppPathUnderNeverFails()
    {
        HealthyStack();
        File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath).Replace($"never: [{_temp.Combine("data/media")}]", $"never: [{_temp.Combine("data")}]"));
        var (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Equal("fail", StatusOf(items, "never"));
        var reason = ReasonOf(items, "never");
        Assert.Contains($"{PlexPath} lies under {_temp.Combine("data")}, which is listed under never", reason);
        Assert.Contains($"{SonarrPath} lies under", reason);
        Assert.Equal("fail", StatusOf(items, "config"));
        // everything else is still checked
        Assert.Equal("pass", StatusOf(items, "backup", "plex"));

        WriteConfig();
        Assert.Equal(0, Doctor().ExitCode);
    }

    [Fact]
    public void InvalidConfigFailsAndSkipsWhatDependsOnIt()
    {
        File.WriteAllText(ConfigPath, $"repository: {RepoPath}\npassword-file: {PasswordFile}\napps:\n  plex:\n    paths: [{PlexPath}]\n    consistency: stp\n");
        var (exit, items, _) = Doctor();
        Assert.Equal(1, exit);
        Assert.Equal("fail", StatusOf(items, "config"));
        Assert.Contains("lifeboat.yaml:6: key \"apps.plex.consistency\": \"stp\" is not valid", ReasonOf(items, "config"));
        Assert.Equal("skip", StatusOf(items, "never"));
        Assert.Equal("skip", StatusOf(items, "repository"));
        Assert.Equal("skip", StatusOf(items, "git"));
        var text = Cli.Run("doctor");
        Assert.Equal(1, text.ExitCode);
        Assert.Contains("[FAIL] config: ", text.Stdout);
        Assert.Contains("[skip] repository: not checked", text.Stdout);
        Assert.Contains("FAIL", text.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    [Fact]
    public void WithoutALifeboatYamlDoctorSaysSo()
    {
        using var empty = new TempDirectory("lifeboat-doctor-empty");
        var r = new LifeboatCli().With("LIFEBOAT_CONFIG", null).Run(["doctor"], workingDirectory: empty.Path);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("there is no lifeboat.yaml here", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void SecretMatcherFindsThePasswordAcrossChunkBoundaries()
    {
        var matcher = new SecretMatcher(Password);
        var content = System.Text.Encoding.UTF8.GetBytes(new string('x', 1000) + Password + new string('y', 1000));
        for (int split = 990; split < 1000 + Password.Length + 2; split++)
        {
            matcher.Reset();
            matcher.Feed(content.AsSpan(0, split));
            matcher.Feed(content.AsSpan(split));
            Assert.Equal(["the repository password"], matcher.Findings());
        }
        // in pieces smaller than the password
        foreach (var size in new[] { 1, 3, 7 })
        {
            matcher.Reset();
            for (int i = 0; i < content.Length; i += size) matcher.Feed(content.AsSpan(i, Math.Min(size, content.Length - i)));
            Assert.Equal(["the repository password"], matcher.Findings());
        }
        matcher.Reset();
        matcher.Feed(content.AsSpan(0, 1000 + Password.Length - 1));
        Assert.Empty(matcher.Findings());
        matcher.Reset();
        matcher.Feed("{\"created\":\"2024\",\"kdf\":\"scrypt\",\"N\":32768,\"r\":8,\"p\":1,\"salt\":\"c2FsdA==\",\"data\":\"ZGF0YQ==\"}"u8);
        Assert.Equal(["a restic key file"], matcher.Findings());
        Assert.Empty(new SecretMatcher("short").Findings());
    }
}
