using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// The backup flags of restic 0.10 to 0.17 that scripts use, each as restic's documentation describes it, and restic
/// 0.14 reading what they wrote.
/// </summary>
public sealed class BackupNewerFlagsTests : CliTestBase
{
    private static List<JsonElement> Lines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private List<string> FilesIn(string snapshot = "latest") =>
        Lines(Cli.RunChecked("ls", snapshot, "--json").Stdout).Where(e => e.TryGetProperty("type", out var t) && t.GetString() == "file")
            .Select(e => e.GetProperty("path").GetString()!).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void FilesFromVerbatimAndRaw_BackUpExactlyTheNamesListed()
    {
        WriteFile(" spaced name ", "1");
        WriteFile("#not-a-comment", "2");
        WriteFile("line\nbreak", "3");
        WriteFile("left-out", "4");
        var verbatim = Temp.Combine("verbatim.txt");
        File.WriteAllText(verbatim, $"{Source}/ spaced name \n\n{Source}/#not-a-comment\n");
        var raw = Temp.Combine("raw.bin");
        File.WriteAllText(raw, $"{Source}/line\nbreak\0");
        Cli.RunChecked("init");

        Cli.RunChecked("backup", "--files-from-verbatim", verbatim, "--files-from-raw", raw);

        Assert.Equal(new[] { $"{Source}/ spaced name ", $"{Source}/#not-a-comment", $"{Source}/line\nbreak" }.Order(StringComparer.Ordinal), FilesIn());
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
    }

    [Fact]
    public void FilesFromRaw_WithoutTheLastNul_IsRefusedAsResticRefusesIt()
    {
        var raw = Temp.Combine("raw.bin");
        File.WriteAllText(raw, $"{Source}\0{Source}");
        Cli.RunChecked("init");

        var r = Cli.Run("backup", "--files-from-raw", raw);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--files-from-raw: trailing zero byte missing", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void ExcludeLargerThan_LeavesOutBiggerFiles()
    {
        WriteFile("small.txt", new string('s', 1000));
        WriteFile("big.bin", new string('b', 3000));
        Cli.RunChecked("init");

        Cli.RunChecked("backup", Source, "--exclude-larger-than", "2k");

        Assert.Equal([$"{Source}/small.txt"], FilesIn());
        var bad = Cli.Run("backup", Source, "--exclude-larger-than", "lots");
        Assert.Equal(1, bad.ExitCode);
        AssertNoStackTrace(bad);
    }

    [Fact]
    public void SkipIfUnchanged_MakesNoSnapshotWhenNothingChanged_AndSaysSo()
    {
        // a relative path: the tree then holds only the source, not the directories above it, whose times change
        // with every other test running beside (the absolute path under /tmp would differ between the runs)
        using var quiet = new TempDirectory("lifeboat-skip");
        Directory.CreateDirectory(quiet.Combine("src"));
        File.WriteAllText(quiet.Combine("src/file"), "same");
        ProcessResult Backup(params string[] args)
        {
            var r = Cli.Run(["backup", "src", .. args], workingDirectory: quiet.Path);
            Assert.True(r.ExitCode == 0, r.Stderr);
            return r;
        }
        Cli.RunChecked("init");
        Backup();

        var text = Backup("--skip-if-unchanged");
        var json = Lines(Backup("--skip-if-unchanged", "--json").Stdout).Last();
        File.WriteAllText(quiet.Combine("src/file"), "changed");
        var changed = Lines(Backup("--skip-if-unchanged", "--json").Stdout).Last();

        Assert.Contains("skipped creating snapshot", text.Stdout);
        Assert.False(json.TryGetProperty("snapshot_id", out _));
        Assert.False(json.TryGetProperty("dry_run", out _));
        Assert.True(changed.TryGetProperty("snapshot_id", out _));
        Assert.Equal(2, JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement.GetArrayLength());
    }

    [Fact]
    public void GroupBy_LetsAnotherHostsSnapshotBeTheParent()
    {
        WriteFile("a.txt", "a");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source, "--host", "one");

        var byDefault = Cli.RunChecked("backup", Source, "--host", "two");
        var byPaths = Cli.RunChecked("backup", Source, "--host", "three", "--group-by", "paths");

        Assert.Contains("no parent snapshot found", byDefault.Stdout);
        Assert.Contains("using parent snapshot", byPaths.Stdout);
        var bad = Cli.Run("backup", Source, "--group-by", "colour");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("unknown grouping option: 'colour'", bad.Stderr);
    }

    [Fact]
    public void ReadConcurrencyNoScanWithAtimeAndTheIgnoreFlags_AreTaken_AndTheRepositoryStaysSound()
    {
        WriteFile("a.txt", "alpha");
        WriteFile("sub/b.txt", "beta");
        File.SetLastAccessTimeUtc(Path.Combine(Source, "a.txt"), new DateTime(2021, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        Cli.RunChecked("init");

        Cli.RunChecked("backup", Source, "--read-concurrency", "1", "--no-scan", "--with-atime");
        var second = Lines(Cli.RunChecked("backup", Source, "--ignore-inode", "--ignore-ctime", "--json").Stdout).Last();

        Assert.Equal(2, second.GetProperty("files_unmodified").GetInt32());
        Assert.Equal(1, Cli.Run("backup", Source, "--read-concurrency", "-1").ExitCode);
        using var restic = new Restic(Repo, Password);
        var first = JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout).RootElement[0].GetProperty("short_id").GetString()!;
        var node = Lines(restic.RunChecked("ls", first, "--json").Stdout).Single(e => e.TryGetProperty("name", out var n) && n.GetString() == "a.txt");
        Assert.StartsWith("2021-06-01T00:00:00", node.GetProperty("atime").GetString());
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
    }
}
