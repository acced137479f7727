using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// The stack's second repository (offsite:) and its storage credentials file, end to end with the real binary: init
/// creates both with the same chunker, every backup run copies its snapshots there, snapshots and doctor report both,
/// and stock restic reads the copy.
/// </summary>
public sealed class OffsiteTests : IDisposable
{
    private readonly TempDirectory _temp = new("lifeboat-offsite");
    private readonly TempDirectory _otherDisk = TempDirectory.OnAnotherFileSystem("lifeboat-offsite-disk");
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string PasswordFile => _temp.Combine("etc/secrets/password");
    private string OffsitePasswordFile => _temp.Combine("etc/secrets/offsite-password");
    private string RepoPath => _temp.Combine("backup/repo");
    private string OffsitePath => _otherDisk.Combine("offsite");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath).With("LIFEBOAT_STATE_DIR", _temp.Combine("state"));

    public OffsiteTests()
    {
        Write("data/plex/Preferences.xml", "<Preferences/>");
        Write("data/sonarr/config.xml", "<sonarr/>");
        Write("etc/secrets/offsite-password", "offsite-password-7c1d");
        File.SetUnixFileMode(OffsitePasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private void Write(string relative, string content)
    {
        var path = _temp.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private void WriteConfig(string extra = "") => Write("etc/lifeboat.yaml", $"""
        repository: {RepoPath}
        password-file: secrets/password
        host: media-vm
        offsite:
          repository: {OffsitePath}
          password-file: secrets/offsite-password
        {extra}
        apps:
          plex:
            paths: [{_temp.Combine("data/plex")}]
          sonarr:
            paths: [{_temp.Combine("data/sonarr")}]
        """);

    private static string Status(JsonElement items, string check) =>
        items.EnumerateArray().First(i => i.GetProperty("check").GetString() == check).GetProperty("status").GetString()!;

    private static string Reason(JsonElement items, string check) =>
        items.EnumerateArray().First(i => i.GetProperty("check").GetString() == check).GetProperty("reason").GetString()!;

    [Fact]
    public void Init_creates_both_backup_copies_to_offsite_and_restic_reads_the_copy()
    {
        WriteConfig();
        var init = Cli.RunChecked("init");
        Assert.Contains($"offsite: created restic repository", init.Stdout);

        using var primaryRestic = new Restic(RepoPath, File.ReadAllText(PasswordFile).Trim());
        using var offsiteRestic = new Restic(OffsitePath, "offsite-password-7c1d");
        var primaryConfig = JsonDocument.Parse(primaryRestic.RunChecked("cat", "config").Stdout).RootElement;
        var offsiteConfig = JsonDocument.Parse(offsiteRestic.RunChecked("cat", "config").Stdout).RootElement;
        Assert.Equal(primaryConfig.GetProperty("chunker_polynomial").GetString(), offsiteConfig.GetProperty("chunker_polynomial").GetString());
        Assert.NotEqual(primaryConfig.GetProperty("id").GetString(), offsiteConfig.GetProperty("id").GetString());

        var backup = Cli.RunChecked("backup");
        Assert.Contains($"offsite: 2 snapshots copied to {OffsitePath}", backup.Stdout);
        Write("data/plex/Preferences.xml", "<Preferences changed=\"1\"/>");
        var second = Cli.RunChecked("backup", "plex");
        Assert.Contains("offsite: 1 snapshot copied", second.Stdout);

        var copies = JsonDocument.Parse(offsiteRestic.RunChecked("snapshots", "--json").Stdout).RootElement;
        Assert.Equal(3, copies.GetArrayLength());
        Assert.Equal(0, offsiteRestic.Run("check", "--read-data").ExitCode);
        var target = _temp.Combine("restored");
        offsiteRestic.RunChecked("restore", "latest", "--tag", "app:plex", "--target", target);
        Assert.Equal("<Preferences changed=\"1\"/>", File.ReadAllText(Path.Combine(target, _temp.Combine("data/plex/Preferences.xml").TrimStart('/'))));

        var snapshots = Cli.RunChecked("snapshots");
        Assert.Contains($"offsite {OffsitePath}:", snapshots.Stdout);
        Assert.Contains("  plex: 2 of 2 snapshots", snapshots.Stdout);
        Assert.Contains("  sonarr: 1 of 1 snapshots", snapshots.Stdout);

        var doctor = Cli.Run("doctor", "--json");
        var items = JsonDocument.Parse(doctor.Stdout).RootElement.GetProperty("items");
        Assert.Equal("pass", Status(items, "offsite"));
        Assert.Contains("reachable, initialized", Reason(items, "offsite"));
        // the primary sits in the same file system as the data: the doctor says so, and names the offsite copy
        Assert.Equal("warn", Status(items, "placement"));
        Assert.Contains("same file system as plex's data", Reason(items, "placement"));
        Assert.Contains("the offsite copy at", Reason(items, "placement"));
        Assert.Equal(1, doctor.ExitCode); // no restore test has run yet
    }

    [Fact]
    public void Verify_tests_both_repositories_and_finds_damage_in_the_offsite_copy_alone()
    {
        WriteConfig();
        Cli.RunChecked("init");
        Cli.RunChecked("backup");

        var verify = Cli.RunChecked("verify");
        var lines = verify.Stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("plex: passed, snapshot", StringComparison.Ordinal));
        int header = Array.IndexOf(lines, $"offsite {OffsitePath}:");
        Assert.True(header > 0, verify.Stdout);
        Assert.Contains(lines.Skip(header), l => l.StartsWith("  plex: passed, snapshot", StringComparison.Ordinal));
        Assert.Contains(lines.Skip(header), l => l.StartsWith("  sonarr: passed, snapshot", StringComparison.Ordinal));

        var doctor = JsonDocument.Parse(Cli.Run("doctor", "--json").Stdout).RootElement.GetProperty("items");
        var offsiteTests = doctor.EnumerateArray().Where(i => i.GetProperty("check").GetString() == "offsite-restore-test").ToList();
        Assert.Equal(2, offsiteTests.Count);
        Assert.All(offsiteTests, i => Assert.Equal("pass", i.GetProperty("status").GetString()));

        var json = JsonDocument.Parse(Cli.RunChecked("verify", "plex", "--json").Stdout).RootElement;
        Assert.Equal(["primary", "offsite"], json.EnumerateArray().Select(r => r.GetProperty("repository").GetString()).ToArray());

        // one flipped byte in each of the offsite copy's packs (which blobs share a pack depends on the copy's
        // timing): the primary still passes, the offsite test fails
        foreach (var pack in Directory.EnumerateFiles(Path.Combine(OffsitePath, "data"), "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(pack);
            bytes[40] ^= 0xFF;
            File.SetUnixFileMode(pack, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllBytes(pack, bytes);
        }
        var primaryOnly = Cli.RunChecked("verify", "--skip-offsite");
        Assert.DoesNotContain($"offsite {OffsitePath}:", primaryOnly.Stdout);
        var damaged = Cli.Run("verify", "--offsite-only");
        Assert.Equal(1, damaged.ExitCode);
        var after = JsonDocument.Parse(Cli.Run("doctor", "--json").Stdout).RootElement.GetProperty("items");
        Assert.Equal("fail", Status(after, "offsite-restore-test"));
        Assert.Contains("verify --offsite-only plex", after.EnumerateArray().First(i => i.GetProperty("check").GetString() == "offsite-restore-test").GetRawText());
        Assert.DoesNotContain("\nplex: passed", "\n" + damaged.Stdout);
        Assert.Contains("FAILED", damaged.Stdout);
    }

    [Fact]
    public void Verify_names_an_unreachable_offsite_in_one_line_after_testing_the_primary()
    {
        WriteConfig();
        Cli.RunChecked("init");
        Cli.RunChecked("backup");
        Directory.Move(OffsitePath, OffsitePath + ".away");
        var verify = Cli.Run("verify");
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("plex: passed", verify.Stdout);
        Assert.Single(verify.Stderr.Split('\n'), l => l.StartsWith($"offsite {OffsitePath}: FAILED:", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", verify.Stderr);
    }

    [Fact]
    public void Forget_applies_the_retention_to_the_offsite_copy_too_unless_told_not_to()
    {
        WriteConfig("retention: {keep-last: 1}");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", "plex");
        Write("data/plex/Preferences.xml", "<Preferences changed=\"1\"/>");
        Cli.RunChecked("backup", "plex");
        using var offsiteRestic = new Restic(OffsitePath, "offsite-password-7c1d");
        int OffsiteCount() => JsonDocument.Parse(offsiteRestic.RunChecked("snapshots", "--json").Stdout).RootElement.GetArrayLength();
        Assert.Equal(2, OffsiteCount());

        var skipped = Cli.RunChecked("forget", "--skip-offsite");
        Assert.DoesNotContain($"offsite {OffsitePath}:", skipped.Stdout);
        Assert.Equal(2, OffsiteCount());

        var forget = Cli.RunChecked("forget", "--prune", "--json");
        var plans = JsonDocument.Parse(forget.Stdout.Split('\n').First(l => l.StartsWith('['))).RootElement;
        Assert.Equal(["plex primary", "sonarr primary", "plex offsite", "sonarr offsite"],
            plans.EnumerateArray().Select(p => $"{p.GetProperty("app").GetString()} {p.GetProperty("repository").GetString()}").ToArray());
        Assert.Equal(1, OffsiteCount());
        Assert.Equal(0, offsiteRestic.Run("check", "--read-data").ExitCode);
        // the copy kept is the newest one
        var target = _temp.Combine("restored");
        offsiteRestic.RunChecked("restore", "latest", "--target", target);
        Assert.Equal("<Preferences changed=\"1\"/>", File.ReadAllText(Path.Combine(target, _temp.Combine("data/plex/Preferences.xml").TrimStart('/'))));
    }

    [Fact]
    public void A_failed_offsite_copy_is_one_line_keeps_the_snapshots_and_the_next_run_catches_up()
    {
        WriteConfig();
        Cli.RunChecked("init");
        // the offsite store goes away
        var moved = OffsitePath + ".away";
        Directory.Move(OffsitePath, moved);
        var backup = Cli.Run("backup");
        Assert.Equal(1, backup.ExitCode);
        var failure = backup.Stderr.Split('\n').Single(l => l.StartsWith("offsite: FAILED:", StringComparison.Ordinal));
        Assert.Contains("the next backup run copies them", failure);
        Assert.Contains("plex: snapshot", backup.Stdout);

        var doctor = JsonDocument.Parse(Cli.Run("doctor", "--json").Stdout).RootElement.GetProperty("items");
        Assert.Equal("fail", Status(doctor, "offsite"));

        Directory.Move(moved, OffsitePath);
        var next = Cli.RunChecked("backup", "sonarr");
        Assert.Contains("offsite: 3 snapshots copied", next.Stdout);
    }

    [Fact]
    public void A_credentials_file_others_can_read_is_refused_in_one_line()
    {
        Write("etc/secrets/storage.env", "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=very-secret-value\n");
        File.SetUnixFileMode(_temp.Combine("etc/secrets/storage.env"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        WriteConfig("credentials-file: secrets/storage.env");
        var r = Cli.Run("init");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"Fatal: credentials file {_temp.Combine("etc/secrets/storage.env")} can be read by others (mode 0644): run chmod 600 {_temp.Combine("etc/secrets/storage.env")}", r.Stderr.Trim());
        Assert.DoesNotContain("very-secret-value", r.Stdout + r.Stderr);

        File.SetUnixFileMode(_temp.Combine("etc/secrets/storage.env"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Cli.RunChecked("init");
    }

    public void Dispose()
    {
        _temp.Dispose();
        _otherDisk.Dispose();
    }
}
