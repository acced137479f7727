using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>repair snapshots end to end: after a lost data pack and repair index, the snapshots are made whole again for restic 0.14.</summary>
public class RepairSnapshotsCliTests : CliTestBase
{
    [Fact]
    public void AfterADataPackIsLost_RepairedSnapshotsPassResticsCheck_AndRestoreWithoutTheLostContent()
    {
        WriteFile("a.txt", "alpha");
        WriteFile("dir/b.txt", "bravo");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        using var restic = new Restic(Repo, Password);
        // the packs holding only data blobs go
        foreach (var index in restic.RunChecked("list", "index").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            foreach (var pack in JsonDocument.Parse(restic.RunChecked("cat", "index", index).Stdout).RootElement.GetProperty("packs").EnumerateArray())
                if (pack.GetProperty("blobs").EnumerateArray().All(b => b.GetProperty("type").GetString() == "data"))
                {
                    var id = pack.GetProperty("id").GetString()!;
                    File.Delete(Path.Combine(Repo, "data", id[..2], id));
                }
        Cli.RunChecked("repair", "index");
        Assert.NotEqual(0, restic.Run("check").ExitCode);

        var dry = Cli.RunChecked("repair", "snapshots", "--dry-run");
        Assert.Contains("would modify 1 snapshots", dry.Stdout);
        var r = Cli.RunChecked("repair", "snapshots", "--forget");

        Assert.Contains("file \"/", r.Stdout);
        Assert.Contains("a.txt\": removed missing content", r.Stdout);
        Assert.Contains("modified 1 snapshots", r.Stdout);
        var sn = Assert.Single(JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement.EnumerateArray());
        Assert.True(sn.TryGetProperty("original", out _));
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
        var target = Temp.Combine("restored");
        restic.RunChecked("restore", "latest", "--target", target);
        Assert.Equal(0, new FileInfo(target + Source + "/a.txt").Length);
        Assert.True(File.Exists(target + Source + "/dir/b.txt"));
    }
}
