using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>`lifeboat forget` in stack mode through the real binary: per-app retention, skipped apps, errors, dry runs.</summary>
public sealed class StackForgetCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath);

    public StackForgetCliTests()
    {
        foreach (var app in new[] { "plex", "jellyfin", "configs" })
        {
            Directory.CreateDirectory(_temp.Combine($"mnt/{app}"));
            File.WriteAllText(_temp.Combine($"mnt/{app}/state.txt"), app);
        }
        WriteConfig(jellyfinRetention: "    retention: {keep-last: 1}\n");
    }

    private void WriteConfig(string jellyfinRetention, string stackRetention = "")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath,
            $"repository: {_temp.Combine("backup/repo")}\npassword-file: secrets/password\nhost: media-vm\n{stackRetention}apps:\n" +
            $"  plex:\n    paths: [{_temp.Combine("mnt/plex")}]\n" +
            $"  jellyfin:\n    paths: [{_temp.Combine("mnt/jellyfin")}]\n{jellyfinRetention}" +
            $"  configs:\n    paths: [{_temp.Combine("mnt/configs")}]\n");
    }

    /// <summary>init, then this many backups of every app, each with changed content.</summary>
    private void InitAndBackUp(int times)
    {
        Cli.RunChecked("init");
        for (int i = 0; i < times; i++)
        {
            foreach (var app in new[] { "plex", "jellyfin", "configs" }) File.WriteAllText(_temp.Combine($"mnt/{app}/state.txt"), $"{app} {i}");
            Cli.RunChecked("backup");
        }
    }

    private Dictionary<string, int> SnapshotCounts()
    {
        using var doc = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout);
        return doc.RootElement.EnumerateArray().ToDictionary(a => a.GetProperty("app").GetString()!, a => a.GetProperty("snapshots").GetArrayLength());
    }

    private static void AssertOneLineError(ProcessResult r, string expected)
    {
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.StartsWith("building lifeboat", StringComparison.Ordinal));
    }

    [Fact]
    public void ForgetAppliesEachAppsRetention_SkipsAppsWithout_AndADryRunChangesNothing()
    {
        InitAndBackUp(3);
        var all = new Dictionary<string, int> { ["plex"] = 3, ["jellyfin"] = 3, ["configs"] = 3 };
        Assert.Equal(all, SnapshotCounts());

        var dry = Cli.RunChecked("forget", "--dry-run");
        Assert.Contains("app jellyfin\nApplying Policy: keep 1 latest snapshots\n", dry.Stdout);
        Assert.Contains("keep 1 snapshots:", dry.Stdout);
        Assert.Contains("remove 2 snapshots:", dry.Stdout);
        Assert.Contains("Would have removed the following snapshots:", dry.Stdout);
        Assert.Contains("plex: no retention in lifeboat.yaml; nothing removed", dry.Stdout);
        Assert.Contains("configs: no retention in lifeboat.yaml; nothing removed", dry.Stdout);
        Assert.DoesNotContain("app plex", dry.Stdout);
        Assert.Equal(all, SnapshotCounts());

        // --json: only the apps with a policy, restic's groups inside; the skipped apps are named on stderr
        var json = Cli.RunChecked("forget", "--dry-run", "--json");
        using (var doc = JsonDocument.Parse(json.Stdout))
        {
            var app = Assert.Single(doc.RootElement.EnumerateArray().ToList());
            Assert.Equal("jellyfin", app.GetProperty("app").GetString());
            var group = Assert.Single(app.GetProperty("groups").EnumerateArray().ToList());
            Assert.Equal("media-vm", group.GetProperty("host").GetString());
            Assert.Equal(JsonValueKind.Null, group.GetProperty("paths").ValueKind);
            Assert.Equal(1, group.GetProperty("keep").GetArrayLength());
            Assert.Equal(2, group.GetProperty("remove").GetArrayLength());
            Assert.Equal("last snapshot", group.GetProperty("reasons")[0].GetProperty("matches")[0].GetString());
        }
        Assert.Contains("plex: no retention in lifeboat.yaml; nothing removed", json.Stderr);
        Assert.Equal(all, SnapshotCounts());

        var real = Cli.RunChecked("forget", "--prune");
        Assert.Contains("2 snapshots have been removed, running prune", real.Stdout);
        Assert.Equal(new Dictionary<string, int> { ["plex"] = 3, ["jellyfin"] = 1, ["configs"] = 3 }, SnapshotCounts());

        // the stack's retention applies to every app without its own; jellyfin's own (keep-last 1) still replaces it
        WriteConfig(jellyfinRetention: "    retention: {keep-last: 1}\n", stackRetention: "retention: {keep-last: 2}\n");
        Cli.RunChecked("forget");
        Assert.Equal(new Dictionary<string, int> { ["plex"] = 2, ["jellyfin"] = 1, ["configs"] = 2 }, SnapshotCounts());
    }

    [Fact]
    public void PolicyFlagsOnTheCommandLineReplaceTheConfigsForTheNamedAppsOnly()
    {
        InitAndBackUp(3);
        var r = Cli.RunChecked("forget", "plex", "--keep-last", "2");
        Assert.Contains("app plex\nApplying Policy: keep 2 latest snapshots (from the command line)\n", r.Stdout);
        Assert.DoesNotContain("jellyfin", r.Stdout);
        Assert.Equal(new Dictionary<string, int> { ["plex"] = 2, ["jellyfin"] = 3, ["configs"] = 3 }, SnapshotCounts());
    }

    [Fact]
    public void NoRetentionForAnySelectedAppOrAnUnknownAppIsAOneLineError()
    {
        InitAndBackUp(1);
        AssertOneLineError(Cli.Run("forget", "plex", "configs"), "plex, configs: no retention in " + ConfigPath + ": add retention: under the app or at the top level");

        WriteConfig(jellyfinRetention: "");
        AssertOneLineError(Cli.Run("forget"), ConfigPath + " has no retention: add a top-level retention: section");
        AssertOneLineError(Cli.Run("forget", "--dry-run"), "has no retention");

        AssertOneLineError(Cli.Run("forget", "plexx", "--keep-last", "1"), "there is no app \"plexx\" in " + ConfigPath + "; known apps: plex, jellyfin, configs");
        Assert.Equal(new Dictionary<string, int> { ["plex"] = 1, ["jellyfin"] = 1, ["configs"] = 1 }, SnapshotCounts());
    }

    public void Dispose()
    {
        _temp.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void ForgetWithSnapshotIdsRemovesExactlyThose_AndMixingAppsAndIdsIsAnError()
    {
        InitAndBackUp(2);
        string plexFirst;
        using (var doc = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout))
        {
            var plex = doc.RootElement.EnumerateArray().Single(a => a.GetProperty("app").GetString() == "plex");
            plexFirst = plex.GetProperty("snapshots")[0].GetProperty("short_id").GetString()!;
        }

        var mixed = Cli.Run("forget", "jellyfin", plexFirst);
        AssertOneLineError(mixed, $"forget takes app names or snapshot IDs, not both: {plexFirst} is not an app in");

        var removed = Cli.RunChecked("forget", plexFirst);
        Assert.Contains("removed 1 snapshots", removed.Stdout + removed.Stderr);
        Assert.Equal(new Dictionary<string, int> { ["plex"] = 1, ["jellyfin"] = 2, ["configs"] = 2 }, SnapshotCounts());

        // a word that is neither an app nor an ID is still named as an unknown app
        AssertOneLineError(Cli.Run("forget", "sonarr"), "there is no app \"sonarr\"");
    }
}
