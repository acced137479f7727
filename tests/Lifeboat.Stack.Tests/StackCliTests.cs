using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>The real `lifeboat` binary in stack mode, on a generated stack tree with a lifeboat.yaml.</summary>
public class StackCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string Root => _temp.Path;
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string PasswordFile => _temp.Combine("etc/secrets/password");
    private string RepoPath => _temp.Combine("backup/repo");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath);

    public StackCliTests()
    {
        Write("mnt/plexdata/Preferences.xml", "<Preferences token=\"x\"/>");
        Write("mnt/plexdata/Library/Application Support/Plex Media Server/Cache/big.bin", "cache");
        Write("mnt/plexdata/Library/Application Support/Plex Media Server/Crash Reports/r1.dmp", "crash");
        Write("mnt/plexdata/Library/Application Support/Plex Media Server/Plug-in Support/Databases/plex.db.meta", "meta");
        Write("mnt/projects/jellyfin/config/system.xml", "<jf/>");
        Write("mnt/projects/sonarr/config.xml", "<sonarr/>");
        Write("mnt/projects/sonarr/transcode/t.ts", "never me");
        Write("mnt/media/movie.mkv", "media");
        var db = _temp.Combine("mnt/projects/jellyfin/config/data/jellyfin.db");
        Directory.CreateDirectory(Path.GetDirectoryName(db)!);
        var r = ProcessRunner.Run("sqlite3", [db, "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1),(2),(3);"]);
        Assert.True(r.Succeeded, r.Stderr);
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, $"""
            repository: {RepoPath}
            password-file: secrets/password
            host: media-vm
            apps:
              plex:
                paths: [{Root}/mnt/plexdata]
                exclude: ["Library/Application Support/Plex Media Server/Cache", "**/Crash Reports"]
              jellyfin:
                paths: [{Root}/mnt/projects/jellyfin/config]
                consistency: sqlite
              configs:
                paths: [{Root}/mnt/projects]
                exclude: [{Root}/mnt/projects/jellyfin]
            never: [{Root}/mnt/media, {Root}/mnt/projects/sonarr/transcode]
            """);
    }

    private void Write(string relative, string content)
    {
        var path = _temp.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static void AssertOneLineError(ProcessResult r)
    {
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
    }

    [Fact]
    public void InitBackupSnapshotsAndRestoreByResticEndToEnd()
    {
        var init = Cli.RunChecked("init");
        Assert.Contains(PasswordFile, init.Stdout);
        Assert.Contains("off this machine", init.Stdout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PasswordFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(PasswordFile)!));
        var password = File.ReadAllText(PasswordFile).Trim();
        Assert.Equal(32, Convert.FromBase64String(password).Length);
        Assert.DoesNotContain(password, init.Stdout + init.Stderr);

        var backup = Cli.RunChecked("backup", "--tag", "nightly");
        var lines = backup.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(": snapshot ")).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Matches(@"^plex: snapshot [0-9a-f]{8}, \d+ files, .* added, \d+\.\d s$", lines[0]);

        var json = Cli.RunChecked("snapshots", "--json");
        using var doc = JsonDocument.Parse(json.Stdout);
        var perApp = doc.RootElement.EnumerateArray().ToDictionary(a => a.GetProperty("app").GetString()!, a => a.GetProperty("snapshots"));
        Assert.Equal(["plex", "jellyfin", "configs"], perApp.Keys);
        foreach (var (app, snapshots) in perApp)
        {
            var s = Assert.Single(snapshots.EnumerateArray().ToList());
            var tags = s.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
            Assert.Equal([$"app:{app}", "nightly"], tags);
            Assert.Equal("media-vm", s.GetProperty("hostname").GetString());
        }
        Assert.Contains("plex (", Cli.RunChecked("snapshots", "plex").Stdout);

        // what is in every snapshot, by restic's own ls
        using var restic = new Restic(RepoPath, password);
        var all = new List<string>();
        var byApp = new Dictionary<string, List<string>>();
        foreach (var (app, snapshots) in perApp)
        {
            var id = snapshots[0].GetProperty("id").GetString()!;
            var ls = restic.RunChecked("ls", id).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
            all.AddRange(ls);
            byApp[app] = ls;
            var target = _temp.Combine("restored/" + app);
            restic.Restore(id, target);
            foreach (var path in ls.Where(File.Exists).Where(p => !p.EndsWith(".db", StringComparison.Ordinal)))
                Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(target + path));
        }
        Assert.Contains(_temp.Combine("mnt/plexdata/Preferences.xml"), all);
        Assert.Contains(_temp.Combine("mnt/projects/sonarr/config.xml"), all);
        Assert.Contains(_temp.Combine("mnt/projects/jellyfin/config/data/jellyfin.db"), all);
        Assert.DoesNotContain(all, p => p.Contains("/Cache") || p.Contains("Crash Reports") || p.Contains("/mnt/media")
            || p.Contains("transcode") || p.EndsWith("-wal", StringComparison.Ordinal) || p.EndsWith("-shm", StringComparison.Ordinal));
        // configs excludes jellyfin's directory, which is its own app
        Assert.DoesNotContain(byApp["configs"], p => p.StartsWith(_temp.Combine("mnt/projects/jellyfin"), StringComparison.Ordinal));
        var restoredDb = _temp.Combine("restored/jellyfin") + _temp.Combine("mnt/projects/jellyfin/config/data/jellyfin.db");
        var check = ProcessRunner.Run("sqlite3", [restoredDb, "PRAGMA integrity_check; SELECT COUNT(*) FROM t;"]);
        Assert.Equal("ok\n3\n", check.Stdout);

        // the restic-style commands still work with -r
        Assert.Contains("app:plex", new LifeboatCli(RepoPath, password).RunChecked("snapshots").Stdout);
    }

    [Fact]
    public void PasswordVariablesExportedForRestic_DoNotOverrideTheConfigsPasswordFile()
    {
        // a restic user's shell: RESTIC_PASSWORD_FILE names a file that is not there, RESTIC_PASSWORD another password
        var cli = Cli.With("RESTIC_PASSWORD_FILE", _temp.Combine("restic/elsewhere")).With("RESTIC_PASSWORD", "a-restic-password");
        var init = cli.RunChecked("init");
        Assert.Contains(PasswordFile, init.Stdout); // the config's file was written, not the variable's looked for
        Assert.Equal(3, cli.RunChecked("backup").Stdout.Split('\n').Count(l => l.Contains(": snapshot ")));
        // and the stack opens with the config's password, whatever the variables say
        Assert.Contains("plex", cli.RunChecked("snapshots").Stdout);
        // an option naming another password is refused, naming both
        File.WriteAllText(_temp.Combine("other-password"), "other\n");
        var refused = Cli.Run("snapshots", "--password-file", _temp.Combine("other-password"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"--password-file {_temp.Combine("other-password")} is not the stack's password: {ConfigPath} names it with password-file {PasswordFile}", refused.Stderr);
        AssertOneLineError(refused);
    }

    [Fact]
    public void A_recorded_stack_job_reads_lifeboat_yaml_once()
    {
        // the job's recording (history, --notify) and the command's body share one parse of the file
        Cli.RunChecked("init");
        var trace = _temp.Combine("openat.trace");
        var r = ProcessRunner.Run("strace", ["-f", "-e", "trace=openat", "-o", trace, LifeboatCli.Binary, "--config", ConfigPath, "backup", "plex"],
            new Dictionary<string, string?> { ["LIFEBOAT_STATE_DIR"] = _temp.Combine("state") });
        Assert.True(r.Succeeded, r.Stderr);
        Assert.Single(File.ReadLines(trace), l => l.Contains(ConfigPath, StringComparison.Ordinal) && !l.Contains("ENOENT", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--exclude", "*.xml", "exclude: list")]
    [InlineData("--files-from", "list.txt", "paths: lists")]
    [InlineData("--dry-run", null, "not supported for a stack backup")]
    [InlineData("--host", "other", "host: in")]
    [InlineData("--exclude-larger-than", "1M", "exclude: list")]
    [InlineData("--files-from-raw", "list.txt", "paths: lists")]
    [InlineData("--skip-if-unchanged", null, "not supported for a stack backup")]
    [InlineData("--group-by", "host", "its own newest snapshot")]
    public void PathBackupFlags_AreRefusedInStackMode_NotIgnored(string flag, string? value, string advice)
    {
        Cli.RunChecked("init");
        string[] args = value is null ? ["backup", flag] : ["backup", flag, value];
        var r = Cli.Run(args);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{flag} does not apply to a stack backup (lifeboat.yaml, no -r): ", r.Stderr);
        Assert.Contains(advice, r.Stderr);
        AssertOneLineError(r);
        Assert.DoesNotContain("app:", Cli.RunChecked("snapshots", "--json").Stdout); // nothing was backed up
    }

    [Fact]
    public void ABadConfigIsRefusedNamingTheLine()
    {
        File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath).Replace("consistency: sqlite", "consistency: sqlit"));
        var r = Cli.Run("backup");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{ConfigPath}:10: key \"apps.jellyfin.consistency\": \"sqlit\" is not valid; use stop, sqlite or none", r.Stderr);
        AssertOneLineError(r);
        Assert.False(Directory.Exists(RepoPath));
    }

    [Fact]
    public void AMissingPathIsRefusedBeforeAnythingIsWrittenAndUnknownAppsAreNamed()
    {
        Directory.Delete(_temp.Combine("mnt/plexdata"), recursive: true);
        var r = Cli.Run("init");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("plexdata of app plex does not exist", r.Stderr);
        Assert.False(File.Exists(PasswordFile));
        Assert.False(Directory.Exists(RepoPath));
        AssertOneLineError(r);

        Write("mnt/plexdata/x", "x");
        Cli.RunChecked("init");
        var unknown = Cli.Run("backup", "plexx");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("known apps: plex, jellyfin, configs", unknown.Stderr);
        Cli.RunChecked("backup", "jellyfin");
        var json = Cli.RunChecked("snapshots", "--json").Stdout;
        Assert.Equal(1, JsonDocument.Parse(json).RootElement.EnumerateArray().Sum(a => a.GetProperty("snapshots").GetArrayLength()));
    }

    public void Dispose()
    {
        _temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
