using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>rewrite end to end: new snapshots as restic writes them, which restic 0.14 checks and restores.</summary>
public class RewriteCliTests : CliTestBase
{
    private List<JsonElement> Snapshots() => [.. JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement.EnumerateArray()];

    private string BackUp()
    {
        WriteFile("app/config.xml", "<config/>");
        WriteFile("app/secrets/key.pem", "-----BEGIN PRIVATE KEY-----");
        WriteFile("app/cache/big.bin", new string('c', 50_000));
        WriteFile("app/logs/today.log", "log");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        return Snapshots().Single().GetProperty("id").GetString()!;
    }

    [Fact]
    public void Exclude_WritesANewSnapshotWithoutThePaths_ThatResticChecksAndRestores()
    {
        var original = BackUp();

        var r = Cli.RunChecked("rewrite", "--exclude", "secrets", "--iexclude", "*.LOG", original);
        Assert.Contains("modified 1 snapshots", r.Stdout);

        var snapshots = Snapshots();
        Assert.Equal(2, snapshots.Count);
        var rewritten = snapshots.Single(s => s.GetProperty("id").GetString() != original);
        Assert.Equal(original, rewritten.GetProperty("original").GetString());
        Assert.Contains("rewrite", rewritten.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var summary = rewritten.GetProperty("summary");
        Assert.Equal(2, summary.GetProperty("total_files_processed").GetInt64());
        Assert.Equal(9 + 50_000, summary.GetProperty("total_bytes_processed").GetInt64());

        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
        var target = Temp.Combine("restored");
        restic.RunChecked("restore", rewritten.GetProperty("id").GetString()!, "--target", target);
        Assert.True(File.Exists(target + Source + "/app/config.xml"));
        Assert.Equal(50_000, new FileInfo(target + Source + "/app/cache/big.bin").Length);
        Assert.False(Directory.Exists(target + Source + "/app/secrets"));
        Assert.False(File.Exists(target + Source + "/app/logs/today.log"));
        Assert.True(Directory.Exists(target + Source + "/app/logs"));
    }

    [Fact]
    public void Forget_ReplacesTheOriginal_AndNewHostAndTimeChangeOnlyMetadata()
    {
        var original = BackUp();

        Cli.RunChecked("rewrite", "--forget", "--new-host", "elsewhere", "--new-time", "2020-01-02 03:04:05");

        var sn = Snapshots().Single();
        Assert.NotEqual(original, sn.GetProperty("id").GetString());
        Assert.Equal(original, sn.GetProperty("original").GetString());
        Assert.Equal("elsewhere", sn.GetProperty("hostname").GetString());
        Assert.StartsWith("2020-01-02T03:04:05", sn.GetProperty("time").GetString());
        Assert.False(sn.TryGetProperty("tags", out _));
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
    }

    [Fact]
    public void Include_KeepsOnlyTheMatchedFiles_DryRunAndNothingToDoWriteNothing()
    {
        var original = BackUp();

        var dry = Cli.RunChecked("rewrite", "--include", "*.xml", "--dry-run");
        Assert.Contains("would save new snapshot", dry.Stdout);
        Assert.Contains("would modify 1 snapshots", dry.Stdout);
        Assert.Single(Snapshots());

        var nothing = Cli.Run("rewrite");
        Assert.NotEqual(0, nothing.ExitCode);
        Assert.Contains("Nothing to do: no excludes/includes provided and no new metadata provided", nothing.Stderr);

        Cli.RunChecked("rewrite", "--include", "*.xml", original);
        var rewritten = Snapshots().Single(s => s.GetProperty("id").GetString() != original).GetProperty("id").GetString()!;
        var ls = Cli.RunChecked("ls", rewritten).Stdout;
        Assert.Contains("/app/config.xml", ls);
        Assert.DoesNotContain("secrets", ls);
        Assert.DoesNotContain("logs", ls);

        // a second run changes nothing more: the rewritten snapshot already lacks what it would drop
        Assert.Contains("no snapshots were modified", Cli.RunChecked("rewrite", "--include", "*.xml", rewritten).Stdout);
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
    }
}
