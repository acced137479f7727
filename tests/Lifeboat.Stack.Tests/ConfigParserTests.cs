using Lifeboat.Stack;
using Lifeboat.Stack.Configuration;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>lifeboat.yaml: the issue's example parses; every kind of mistake names the file, line and key.</summary>
public class ConfigParserTests
{
    public const string IssueExample = """
        repository: /srv/backup/media-vm      # any repository location the engine accepts
        password-file: /etc/lifeboat/password  # or password-command; never the password itself
        host: media-vm                         # snapshot host name; default: the machine's
        apps:
          plex:
            paths: [/mnt/plexdata]
            exclude: ["Library/Application Support/Plex Media Server/Cache", "**/Crash Reports"]
            containers: [plex]                 # Docker containers that use these paths
            consistency: stop                  # stop | sqlite | none
          jellyfin:
            paths: [/mnt/projects/jellyfin/config]
            containers: [jellyfin]
            consistency: sqlite
          configs:
            paths: [/mnt/projects]
            exclude: [/mnt/projects/jellyfin]
        never: [/mnt/media, /mnt/downloads, /mnt/plextranscode]
        """;

    private static StackConfig Parse(string yaml) => StackConfigParser.Parse(yaml, "lifeboat.yaml", "/etc/lifeboat", "this-host");

    private static StackConfigException Refused(string yaml) => Assert.Throws<StackConfigException>(() => Parse(yaml));

    [Fact]
    public void TheIssueExampleParses()
    {
        var config = Parse(IssueExample);
        Assert.Equal("/srv/backup/media-vm", config.Repository);
        Assert.Equal("/etc/lifeboat/password", config.PasswordFile);
        Assert.Null(config.PasswordCommand);
        Assert.Equal("media-vm", config.Host);
        Assert.Equal(["plex", "jellyfin", "configs"], config.Apps.Select(a => a.Name));
        var plex = config.Apps[0];
        Assert.Equal(["/mnt/plexdata"], plex.Paths);
        Assert.Equal(["Library/Application Support/Plex Media Server/Cache", "**/Crash Reports"], plex.Exclude);
        Assert.Equal(["plex"], plex.Containers);
        Assert.Equal(ConsistencyMode.Stop, plex.Consistency);
        Assert.Equal(6, plex.PathLines[0]);
        Assert.Equal(ConsistencyMode.Sqlite, config.Apps[1].Consistency);
        Assert.Equal(ConsistencyMode.None, config.Apps[2].Consistency);
        Assert.Equal(["/mnt/projects/jellyfin"], config.Apps[2].Exclude);
        Assert.Equal(["/mnt/media", "/mnt/downloads", "/mnt/plextranscode"], config.Never);
        Assert.Equal("app:plex", plex.Tag);
    }

    [Fact]
    public void DefaultsAndRelativeFilesResolveAgainstTheConfigDirectory()
    {
        var config = Parse("""
            repository: backups/repo
            password-file: secret/password
            compression: max
            pack-size: 32
            apps:
              a:
                paths:
                  - /srv/a/../a/
            """);
        Assert.Equal("this-host", config.Host);
        Assert.Equal("/etc/lifeboat/backups/repo", config.Repository);
        Assert.Equal("/etc/lifeboat/secret/password", config.PasswordFile);
        Assert.Equal(["/srv/a"], config.Apps[0].Paths);
        Assert.Equal("max", config.Compression);
        Assert.Equal(32, config.PackSizeMiB);
        Assert.Empty(config.Never);
    }

    [Fact]
    public void AnInvalidConsistencyNamesLineKeyAndTheValidValues()
    {
        var e = Refused(IssueExample.Replace("consistency: stop ", "consistency: stp  "));
        Assert.Equal("lifeboat.yaml:9: key \"apps.plex.consistency\": \"stp\" is not valid; use stop, sqlite or none", e.Message);
        Assert.Equal(9, e.Line);
    }

    [Fact]
    public void UnknownKeysAreErrorsListingTheValidOnes()
    {
        var top = Refused(IssueExample + "\nschedules: daily\n");
        Assert.StartsWith("lifeboat.yaml:18: key \"schedules\": is not a known key; valid keys are repository,", top.Message);
        var app = Refused(IssueExample.Replace("    containers: [jellyfin]", "    container: [jellyfin]"));
        Assert.Equal("lifeboat.yaml:12: key \"apps.jellyfin.container\": is not a known key; valid keys for an app are paths, exclude, containers, consistency, retention, hooks, dumps", app.Message);
    }

    [Fact]
    public void APasswordInTheFileIsRefusedWithoutEchoingIt()
    {
        var e = Refused("repository: /r\npassword: hunter2-secret\napps: {a: {paths: [/a]}}\n");
        Assert.Contains("lifeboat.yaml:2: key \"password\"", e.Message);
        Assert.Contains("password-file", e.Message);
        Assert.DoesNotContain("hunter2-secret", e.Message);
    }

    [Fact]
    public void AnalyzeReportsEveryProblemInsteadOfTheFirst()
    {
        var yaml = "repository: /r\npassword: hunter2-secret\napps:\n  plex:\n    paths: [/mnt/media/plex]\n  sonarr:\n    paths: [/mnt/media]\nnever: [/mnt/media]\n";
        var analysis = StackConfigParser.Analyze(yaml, "lifeboat.yaml", "/etc/lifeboat", "host");
        Assert.Null(analysis.Error);
        Assert.NotNull(analysis.Config);
        Assert.Equal(2, Assert.Single(analysis.InlinePasswords).Line);
        Assert.Equal([5, 7], analysis.PathsUnderNever.Select(e => e.Line));
        Assert.Equal(3, analysis.Problems.Count);
        // Parse throws the password key first, as before
        Assert.Equal(analysis.Problems[0].Message, Refused(yaml).Message);
        Assert.Contains("key \"password\"", analysis.Problems[0].Message);

        var broken = StackConfigParser.Analyze("repository: /r\npassword: x\napps: {a: {paths: [/a]}}\ncompression: fast\n", "lifeboat.yaml", "/etc", "host");
        Assert.Null(broken.Config);
        Assert.Equal(4, broken.Error!.Line);
        Assert.Single(broken.InlinePasswords);
    }

    [Theory]
    [InlineData("repository: /r\napps:\n  Plex:\n    paths: [/a]\n", 3, "apps.Plex", "not a valid app name")]
    [InlineData("repository: /r\napps:\n  plex:\n    paths: [mnt/plexdata]\n", 4, "apps.plex.paths", "\"mnt/plexdata\" is not an absolute path")]
    [InlineData("repository: /r\napps:\n  plex:\n    paths: /mnt/plexdata\n", 4, "apps.plex.paths", "must be a list")]
    [InlineData("repository: /r\napps:\n  plex:\n    exclude: [x]\n", 3, "apps.plex.paths", "is missing or empty")]
    [InlineData("repository: /r\napps:\n  plex:\n    paths: [/a]\n    containers: [\"\"]\n", 5, "apps.plex.containers", "is not a valid container name")]
    [InlineData("repository: /r\napps:\n  plex:\n    paths: [/a]\n    consistency: stop\n", 3, "apps.plex.containers", "consistency: stop needs the containers")]
    [InlineData("repository: /r\napps:\n  plex:\n    paths: [/mnt/media/plex]\nnever: [/mnt/media]\n", 4, "apps.plex.paths", "/mnt/media/plex lies under /mnt/media, which is listed under never")]
    [InlineData("repository: /r\napps:\n  plex:\n    paths: [/mnt/media]\nnever: [/mnt/media/]\n", 4, "apps.plex.paths", "/mnt/media is /mnt/media, which is listed under never")]
    [InlineData("repository: /r\napps:\n  plex:\n    paths: [/a]\nnever: [media]\n", 5, "never", "not an absolute path")]
    [InlineData("repository: /r\ncompression: fast\napps: {a: {paths: [/a]}}\n", 2, "compression", "use auto, off or max")]
    [InlineData("repository: /r\npack-size: 1000\napps: {a: {paths: [/a]}}\n", 2, "pack-size", "from 4 to 128")]
    [InlineData("apps: {a: {paths: [/a]}}\n", 0, "repository", "is missing")]
    [InlineData("repository: /r\napps: {}\n", 2, "apps", "at least one app")]
    [InlineData("repository: /r\npassword-file: /p\npassword-command: cat /p\napps: {a: {paths: [/a]}}\n", 3, "password-command", "not both")]
    public void EachMistakeNamesLineAndKey(string yaml, int line, string key, string problem)
    {
        var e = Refused(yaml);
        Assert.Equal(line, e.Line);
        Assert.Equal(key, e.Key);
        Assert.Contains(problem, e.Message);
        Assert.StartsWith(line > 0 ? $"lifeboat.yaml:{line}: key \"{key}\": " : $"lifeboat.yaml: key \"{key}\": ", e.Message);
    }

    [Fact]
    public void BrokenYamlNamesTheLine()
    {
        var e = Refused("repository: /r\napps:\n  plex:\n    paths: [/a\n  jf: x\n");
        Assert.StartsWith("lifeboat.yaml:", e.Message);
        Assert.True(e.Line >= 4, e.Message);
        Assert.Contains("not valid YAML", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void UnknownAppNamesListTheKnownOnes()
    {
        var e = Assert.Throws<StackException>(() => Parse(IssueExample).SelectApps(["plexx"]));
        Assert.Equal("there is no app \"plexx\" in lifeboat.yaml; known apps: plex, jellyfin, configs", e.Message);
        Assert.Equal(["jellyfin"], Parse(IssueExample).SelectApps(["jellyfin"]).Select(a => a.Name));
        Assert.Equal(3, Parse(IssueExample).SelectApps([]).Count);
    }

    [Fact]
    public void AMissingAppPathIsRefusedNamingAppPathAndLine()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("a"));
        var config = Parse($"repository: /r\napps:\n  a:\n    paths:\n      - {temp.Combine("a")}\n      - {temp.Combine("gone")}\n");
        StackConfigValidator.RequirePathsExist(config, [config.Apps[0] with { Paths = [config.Apps[0].Paths[0]] }]);
        var e = Assert.Throws<StackConfigException>(() => StackConfigValidator.RequirePathsExist(config, config.Apps));
        Assert.Equal($"lifeboat.yaml:6: key \"apps.a.paths\": {temp.Combine("gone")} of app a does not exist; create it, or fix or remove the path", e.Message);
    }

    [Fact]
    public void LocateFollowsOptionThenEnvironmentThenWorkingDirectory()
    {
        using var temp = new TempDirectory();
        var file = temp.Combine("stack.yaml");
        File.WriteAllText(file, "x: 1");
        Assert.Equal(file, StackConfigLoader.Locate(file, "/nonexistent/env.yaml", temp.Path));
        Assert.Equal(file, StackConfigLoader.Locate(null, file, temp.Path));
        Assert.Null(StackConfigLoader.Locate(null, null, temp.Path));
        File.WriteAllText(temp.Combine("lifeboat.yaml"), "x: 1");
        Assert.Equal("lifeboat.yaml", StackConfigLoader.Locate(null, null, temp.Path));
        Assert.Contains("does not exist", Assert.Throws<StackException>(() => StackConfigLoader.Locate(temp.Combine("nope.yaml"), null, temp.Path)).Message);
    }

    [Fact]
    public void RetentionIsResticsPolicy_TheStacksByDefault_AnAppsOwnReplacingIt()
    {
        var config = Parse(IssueExample + """

            retention:
              keep-daily: 7
              keep-weekly: 4
              keep-within: 1y6m
              keep-tag: [keep, "release,final"]
            """);
        var policy = config.Retention!;
        Assert.Equal(7, policy.Daily);
        Assert.Equal(4, policy.Weekly);
        Assert.Equal("1y6m", policy.Within.ToString());
        Assert.Equal(2, policy.Tags.Count);
        Assert.Equal(["release", "final"], policy.Tags[1]);
        Assert.Same(policy, config.RetentionFor(config.Apps[0]));

        var own = Parse(IssueExample.Replace("    consistency: sqlite", "    consistency: sqlite\n    retention: {keep-last: 3}") + "\nretention: {keep-daily: 7}\n");
        var jellyfin = own.RetentionFor(own.FindApp("jellyfin")!)!;
        Assert.Equal(3, jellyfin.Last);
        Assert.Equal(0, jellyfin.Daily);
        Assert.Equal(7, own.RetentionFor(own.FindApp("plex")!)!.Daily);
        Assert.Null(Parse(IssueExample).RetentionFor(config.Apps[0]));
    }

    [Theory]
    [InlineData("retention: {keep-dayly: 7}", "key \"retention.keep-dayly\": is not a known key; valid keys are keep-last,")]
    [InlineData("retention: {keep-daily: -1}", "key \"retention.keep-daily\": \"-1\" is not valid; use a whole number of snapshots, 1 or more")]
    [InlineData("retention: {keep-within: 3weeks}", "key \"retention.keep-within\": \"3weeks\" is not valid; use restic's duration")]
    [InlineData("retention: {}", "key \"retention\": keeps nothing; name at least one rule")]
    [InlineData("doctor: {backup-max-age: soon}", "key \"doctor.backup-max-age\": \"soon\" is not valid; use a number with a unit w, d, h or m")]
    [InlineData("doctor: {max-age: 2d}", "key \"doctor.max-age\": is not a known key; valid keys are backup-max-age, restore-test-max-age")]
    public void RetentionAndDoctorMistakesNameTheKey(string line, string expected)
    {
        var e = Refused(IssueExample + "\n" + line + "\n");
        Assert.Contains(expected, e.Message);
        Assert.Equal(18, e.Line);
    }

    [Fact]
    public void DoctorThresholdsDefaultToANightlyBackupAndAMonthlyRestoreTest()
    {
        Assert.Equal(TimeSpan.FromHours(26), Parse(IssueExample).Doctor.BackupMaxAge);
        Assert.Equal(TimeSpan.FromDays(30), Parse(IssueExample).Doctor.RestoreTestMaxAge);
        var set = Parse(IssueExample + "\ndoctor: {backup-max-age: 1d12h, restore-test-max-age: 2w}\n").Doctor;
        Assert.Equal(TimeSpan.FromHours(36), set.BackupMaxAge);
        Assert.Equal(TimeSpan.FromDays(14), set.RestoreTestMaxAge);
    }
}
