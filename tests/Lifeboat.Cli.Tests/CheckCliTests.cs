namespace Lifeboat.Cli.Tests;

/// <summary>check, rebuild-index and repair index from the command line: restic's lines and exit codes.</summary>
public class CheckCliTests : CliTestBase
{
    private void BackUp()
    {
        Cli.RunChecked("init");
        WriteFile("a.txt", "alpha\n");
        WriteFile("dir/b.txt", new string('b', 100_000));
        Cli.RunChecked("backup", Source);
    }

    [Fact]
    public void SoundRepositoryExits0()
    {
        BackUp();
        var r = Cli.Run("check", "--read-data");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("load indexes", r.Stdout);
        Assert.Contains("check snapshots, trees and blobs", r.Stdout);
        Assert.Contains("read all data", r.Stdout);
        Assert.Contains("no errors were found", r.Stdout);
        Assert.Equal(0, Cli.Run("check", "--read-data-subset", "1/3").ExitCode);
    }

    [Fact]
    public void DeletedPackExits1NamingThePack()
    {
        BackUp();
        var pack = Directory.GetFiles(Path.Combine(Repo, "data"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        File.Delete(pack);
        var r = Cli.Run("check");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(Path.GetFileName(pack), r.Stderr);
        Assert.Contains("Fatal: repository contains errors", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void DeletedIndexFailsCheck_AndRebuildIndexOrRepairIndexFixesIt()
    {
        BackUp();
        foreach (var f in Directory.GetFiles(Path.Combine(Repo, "index"))) File.Delete(f);
        var r = Cli.Run("check");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("not found in index", r.Stderr);
        AssertNoStackTrace(r);

        var rebuilt = Cli.Run("rebuild-index");
        Assert.True(rebuilt.ExitCode == 0, rebuilt.Stdout + rebuilt.Stderr);
        Assert.Contains("adding pack file to index", rebuilt.Stderr);
        Assert.Equal(0, Cli.Run("check", "--read-data").ExitCode);

        var repaired = Cli.Run("repair", "index", "--read-all-packs");
        Assert.True(repaired.ExitCode == 0, repaired.Stdout + repaired.Stderr);
        Assert.Equal(0, Cli.Run("check", "--read-data").ExitCode);
        Assert.Equal(0, Cli.Run("restore", "latest", "--target", Temp.Combine("restored")).ExitCode);
    }

    [Fact]
    public void BadSubsetIsOneLineExit1()
    {
        BackUp();
        var r = Cli.Run("check", "--read-data-subset", "7/5");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("Fatal: ", r.Stderr.Trim());
        Assert.Single(r.Stderr.Trim().Split('\n'));
        AssertNoStackTrace(r);
    }
}
