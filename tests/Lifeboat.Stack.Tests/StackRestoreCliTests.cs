using Lifeboat.Engine.Platform;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>The restore scenarios through the real `lifeboat` binary in stack mode, on a generated stack tree.</summary>
public sealed class StackRestoreCliTests : IDisposable
{
    private const string CacheDir = "Library/Application Support/Plex Media Server/Cache";
    private readonly TempDirectory _temp = new();
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string Plex => _temp.Combine("mnt/plexdata");
    private string Projects => _temp.Combine("mnt/projects");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath);

    public StackRestoreCliTests()
    {
        Write("mnt/plexdata/Preferences.xml", "<Preferences token=\"x\"/>");
        Write($"mnt/plexdata/{CacheDir}/big.bin", "cache");
        Write("mnt/plexdata/Library/Application Support/Plex Media Server/Plug-in Support/Databases/plex.db.meta", "meta");
        for (char c = 'a'; c <= 'h'; c++) Write($"mnt/plexdata/{c}.conf", $"{c} v1");
        Write("mnt/plexdata/keys/secret.key", "key");
        File.SetUnixFileMode(_temp.Combine("mnt/plexdata/keys/secret.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Posix.LChown(_temp.Combine("mnt/plexdata/keys/secret.key"), 1234, 5678);
        Posix.Symlink("Preferences.xml", _temp.Combine("mnt/plexdata/prefs-link"));
        Write("mnt/projects/sonarr/config.xml", "<sonarr v1/>");
        Write("mnt/projects/radarr/config.xml", "<radarr v1/>");
        Directory.CreateDirectory(_temp.Combine("mnt/projects/radarr/empty"));
        File.SetLastWriteTimeUtc(_temp.Combine("mnt/projects/radarr/config.xml"), new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, $"""
            repository: {_temp.Combine("backup/repo")}
            password-file: {_temp.Combine("etc/password")}
            host: media-vm
            apps:
              plex:
                paths: [{Plex}]
                exclude: ["{CacheDir}"]
                containers: [plex]
              configs:
                paths: [{Projects}]
            """);
        Cli.RunChecked("init");
    }

    private void Write(string relative, string content)
    {
        var path = _temp.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private string Read(string relative) => File.ReadAllText(_temp.Combine(relative));

    /// <summary>A metadata-exact copy (cp -a) of a tree, to compare with later.</summary>
    private string CopyOf(string path, string name)
    {
        var copy = _temp.Combine("copies/" + name);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        var r = ProcessRunner.Run("cp", ["-a", path, copy]);
        Assert.True(r.Succeeded, r.Stderr);
        return copy;
    }

    private static readonly TreeCompareOptions IgnoreCache = new() { IgnoreNames = new HashSet<string> { CacheDir }, CompareRootMetadata = true };

    private static void AssertNoLeftovers(string directory) =>
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(directory), p => Path.GetFileName(p).StartsWith(".lifeboat-", StringComparison.Ordinal));

    [Fact]
    public void InPlaceRestoreBringsBackTheSnapshotExactlyAndDeleteRemovesWhatItDoesNotHave()
    {
        // the plex app has a container in the config, but none on this machine's Docker: a fake-free run needs none
        File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath).Replace("    containers: [plex]\n", ""));
        Cli.RunChecked("backup");
        var asBackedUp = _temp.Combine("as-backed-up");
        Cli.RunChecked("restore", "plex", "--target", asBackedUp);
        var projectsBefore = CopyOf(Projects, "projects");

        Write("mnt/plexdata/Preferences.xml", "<Preferences broken>");
        File.Delete(_temp.Combine("mnt/plexdata/b.conf"));
        File.SetUnixFileMode(_temp.Combine("mnt/plexdata/keys/secret.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Write("mnt/plexdata/added.conf", "new");
        Write("mnt/plexdata/keys/added/deep.txt", "new");
        Write($"mnt/plexdata/{CacheDir}/new-cache.bin", "cache written since");

        var r = Cli.RunChecked("restore", "plex", "--delete");
        Assert.Contains("plex: restored ", r.Stdout);
        Assert.Contains("removed 2 items", r.Stdout);
        TreeComparer.AssertSame(asBackedUp + Plex, Plex, IgnoreCache);
        // excluded content is not the snapshot's to judge: it stays
        Assert.Equal("cache written since", Read($"mnt/plexdata/{CacheDir}/new-cache.bin"));
        AssertNoLeftovers(_temp.Combine("mnt"));
        // the other app is untouched
        TreeComparer.AssertSame(projectsBefore, Projects, new TreeCompareOptions { CompareRootMetadata = true });

        // without --delete, what the snapshot does not have stays
        Write("mnt/plexdata/added.conf", "new");
        Write("mnt/plexdata/a.conf", "changed");
        Cli.RunChecked("restore", "plex");
        Assert.Equal("a v1", Read("mnt/plexdata/a.conf"));
        Assert.Equal("new", Read("mnt/plexdata/added.conf"));
    }

    [Fact]
    public void ARestoreThatFailsHalfWayLeavesThePreviousFilesIntact()
    {
        File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath).Replace("    containers: [plex]\n", ""));
        Cli.RunChecked("backup", "plex");
        for (char c = 'a'; c <= 'h'; c++) Write($"mnt/plexdata/{c}.conf", $"{c} v2");
        Write("mnt/plexdata/Library/Application Support/Plex Media Server/Plug-in Support/Databases/plex.db.meta", "meta v2");
        File.Delete(_temp.Combine("mnt/plexdata/Preferences.xml"));
        var before = CopyOf(Plex, "plex-before");
        // an immutable directory: renames into it fail, after some files elsewhere were already replaced
        var locked = _temp.Combine("mnt/plexdata/Library/Application Support/Plex Media Server/Plug-in Support/Databases");
        if (!ProcessRunner.Run("chattr", ["+i", locked]).Succeeded) Assert.Skip("chattr +i is not supported here");
        try
        {
            var r = Cli.Run("restore", "plex", "--delete");
            Assert.Equal(1, r.ExitCode);
            Assert.True(r.Stderr.Contains("everything was put back as it was", StringComparison.Ordinal), r.Stderr);
            Assert.DoesNotContain("   at ", r.Stderr);
        }
        finally
        {
            ProcessRunner.Run("chattr", ["-i", locked]);
        }
        TreeComparer.AssertSame(before, Plex, new TreeCompareOptions { CompareRootMetadata = true });
        AssertNoLeftovers(_temp.Combine("mnt"));
    }

    [Fact]
    public void AtPicksTheOlderSnapshotAndPathRestoresOneFileIntoPlaceAndToATarget()
    {
        Cli.RunChecked("backup", "configs");
        var between = DateTimeOffset.Now;
        Thread.Sleep(1100);
        Write("mnt/projects/sonarr/config.xml", "<sonarr v2/>");
        Write("mnt/projects/radarr/config.xml", "<radarr v2/>");
        Cli.RunChecked("backup", "configs");
        Write("mnt/projects/sonarr/config.xml", "<sonarr v3/>");
        Write("mnt/projects/radarr/config.xml", "<radarr v3/>");

        var at = between.ToString("yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture); // local time, no zone
        var sonarr = Path.Combine(Projects, "sonarr/config.xml");
        var target = _temp.Combine("elsewhere");
        Cli.RunChecked("restore", "configs", "--at", at, "--path", sonarr, "--target", target);
        Assert.Equal("<sonarr v1/>", File.ReadAllText(target + sonarr));
        Assert.Equal([target + sonarr], Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories));

        var r = Cli.RunChecked("restore", "configs", "--at", at, "--path", sonarr);
        Assert.Equal("<sonarr v1/>", Read("mnt/projects/sonarr/config.xml"));
        Assert.Equal("<radarr v3/>", Read("mnt/projects/radarr/config.xml"));
        Assert.Contains("restored 1 file (", r.Stdout);
        // the latest has the second version
        Cli.RunChecked("restore", "configs", "--path", sonarr);
        Assert.Equal("<sonarr v2/>", Read("mnt/projects/sonarr/config.xml"));

        var outside = Cli.Run("restore", "configs", "--path", Plex);
        Assert.Equal(1, outside.ExitCode);
        Assert.Contains("is not inside the paths of app configs", outside.Stderr);
        var tooEarly = Cli.Run("restore", "configs", "--at", "2001-01-01T00:00");
        Assert.Equal(1, tooEarly.ExitCode);
        Assert.Contains("there is no snapshot of app configs at or before", tooEarly.Stderr);
    }

    [Fact]
    public void RebuildIsExactAndRefusesADestinationWithContentUnlessForced()
    {
        Posix.Link(_temp.Combine("mnt/projects/sonarr/config.xml"), _temp.Combine("mnt/projects/sonarr/config-link.xml"));
        Posix.LChown(_temp.Combine("mnt/projects/radarr"), 1000, 1000);
        File.SetUnixFileMode(_temp.Combine("mnt/projects/radarr/empty"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.SetGroup);
        Cli.RunChecked("backup");
        var root = _temp.Combine("rebuilt");
        var r = Cli.RunChecked("rebuild", "--target-root", root);
        Assert.Contains("plex: restored ", r.Stdout);
        Assert.Contains("configs: restored ", r.Stdout);
        Assert.Contains("to start: plex", r.Stdout);
        TreeComparer.AssertSame(Plex, root + Plex, IgnoreCache);
        Assert.False(Directory.Exists(root + Plex + "/" + CacheDir));
        TreeComparer.AssertSame(Projects, root + Projects, new TreeCompareOptions { CompareRootMetadata = true });
        AssertNoLeftovers(root + _temp.Combine("mnt"));

        var again = Cli.Run("rebuild", "--target-root", root);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already has content", again.Stderr);
        Assert.Contains("--force", again.Stderr);
        File.WriteAllText(root + Projects + "/sonarr/config.xml", "damaged");
        File.WriteAllText(root + Projects + "/sonarr/left-behind.xml", "not in the snapshot");
        Cli.RunChecked("rebuild", "--target-root", root, "--force");
        Assert.Equal("<sonarr v1/>", File.ReadAllText(root + Projects + "/sonarr/config.xml"));
        Assert.True(File.Exists(root + Projects + "/sonarr/left-behind.xml")); // --force replaces, removes nothing

        // --delete: the rebuilt paths hold exactly the snapshots (what the apps exclude stays)
        var rebuilt = Cli.RunChecked("rebuild", "--target-root", root, "--force", "--delete");
        Assert.False(File.Exists(root + Projects + "/sonarr/left-behind.xml"));
        Assert.Contains("removed 1 item", rebuilt.Stdout);
        TreeComparer.AssertSame(Projects, root + Projects, new TreeCompareOptions { CompareRootMetadata = true });
        AssertNoLeftovers(root + _temp.Combine("mnt"));
    }

    [Fact]
    public void AFailedUpgradeExitsWithItsCodeAndRollbackRestoresTheStateBeforeIt()
    {
        var config = Path.Combine(Projects, "sonarr/config.xml");
        var added = Path.Combine(Projects, "sonarr/migration.lock");
        var upgrade = Cli.Run("upgrade", "configs", "--", "sh", "-c", $"echo upgraded > '{config}'; echo x > '{added}'; exit 7");
        Assert.Equal(7, upgrade.ExitCode);
        Assert.Contains("lifeboat rollback configs", upgrade.Stderr);
        Assert.Equal("upgraded\n", File.ReadAllText(config));
        Assert.Contains("pre-upgrade", Cli.RunChecked("snapshots", "configs").Stdout);

        var rollback = Cli.RunChecked("rollback", "configs");
        Assert.Contains("configs: restored ", rollback.Stdout);
        Assert.Equal("<sonarr v1/>", File.ReadAllText(config));
        Assert.False(File.Exists(added));

        Assert.Equal(0, Cli.Run("upgrade", "configs", "--", "true").ExitCode);
        var noSnapshot = Cli.Run("rollback", "plex");
        Assert.Equal(1, noSnapshot.ExitCode);
        Assert.Contains("there is no snapshot of app plex tagged pre-upgrade", noSnapshot.Stderr);
    }

    public void Dispose() => _temp.Dispose();
}
