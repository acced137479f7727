using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>recover end to end: a backup whose snapshot file is gone comes back as restic 0.14's "/recover" snapshot.</summary>
public class RecoverCliTests : CliTestBase
{
    [Fact]
    public void ABackupWhoseSnapshotWasDeleted_IsRecovered_AndResticListsChecksAndRestoresIt()
    {
        WriteFile("a.txt", "alpha");
        WriteFile("dir/b.txt", "bravo");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var snapshotFile = Assert.Single(Directory.GetFiles(Path.Combine(Repo, "snapshots")));
        var rootTree = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement[0].GetProperty("tree").GetString()!;
        File.Delete(snapshotFile);

        var r = Cli.RunChecked("recover");
        Assert.Contains("load index files", r.Stdout);
        Assert.Contains("found 1 unreferenced roots", r.Stdout);
        Assert.Contains("saved new snapshot", r.Stdout);

        using var restic = new Restic(Repo, Password);
        var sn = Assert.Single(JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout).RootElement.EnumerateArray());
        Assert.Equal("/recover", Assert.Single(sn.GetProperty("paths").EnumerateArray()).GetString());
        Assert.Equal("recovered", Assert.Single(sn.GetProperty("tags").EnumerateArray()).GetString());
        var check = restic.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        var target = Temp.Combine("restored");
        restic.RunChecked("restore", "latest", "--target", target);
        var recovered = Path.Combine(target, rootTree[..8]) + Source;
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(recovered, "a.txt")));
        Assert.Equal("bravo", File.ReadAllText(Path.Combine(recovered, "dir/b.txt")));

        // what restic's own recover sees now: nothing left unreferenced
        var again = restic.RunChecked("recover");
        Assert.Contains("found 0 unreferenced roots", again.Stdout);
        var ours = Cli.RunChecked("recover");
        Assert.Contains("found 0 unreferenced roots", ours.Stdout);
        Assert.Contains("no snapshot to write.", ours.Stdout);
    }
}
