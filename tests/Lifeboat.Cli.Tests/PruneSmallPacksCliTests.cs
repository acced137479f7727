using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// prune's small packs (restic 0.16's --repack-small, 0.18's --repack-smaller-than): many small backups leave many
/// small packs, which prune merges; restic 0.14 checks every byte of the result and restores it.
/// </summary>
public sealed class PruneSmallPacksCliTests : CliTestBase
{
    private int DataPacks() => Directory.EnumerateFiles(Path.Combine(Repo, "data"), "*", SearchOption.AllDirectories).Count();

    private void BackUpSmallChanges(int times)
    {
        Cli.RunChecked("init");
        for (int i = 0; i < times; i++)
        {
            WriteFile($"f{i}.txt", $"content {i}");
            Cli.RunChecked("backup", Source);
        }
    }

    [Fact]
    public void Prune_MergesTenOrMoreSmallPacks_AndResticChecksAndRestoresTheResult()
    {
        BackUpSmallChanges(6); // a data pack and a tree pack each
        Assert.Equal(12, DataPacks());
        var r = Cli.RunChecked("prune", "--repack-small");
        Assert.Contains("repacking packs", r.Stdout);
        Assert.Equal(2, DataPacks()); // one for the data, one for the trees
        using var restic = new Restic(Repo, Password);
        var check = restic.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        var target = Temp.Combine("restored");
        restic.Restore("latest", target);
        TreeComparer.AssertSame(Source, target + Source);
        // fewer than ten small packs: left as they are
        Cli.RunChecked("prune", "--repack-smaller-than", "4M");
        Assert.Equal(2, DataPacks());
    }

    [Fact]
    public void Prune_FewerThanTenSmallPacks_AreLeftAlone()
    {
        BackUpSmallChanges(4);
        Cli.RunChecked("prune", "--repack-small");
        Assert.Equal(8, DataPacks());
    }

    [Fact]
    public void Prune_RepackSmallerThanAboveThePackSize_IsRefused()
    {
        BackUpSmallChanges(1);
        var r = Cli.Run("prune", "--repack-smaller-than", "17M");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("repack-smaller-than exceeds repository packsize", r.Stderr);
        AssertNoStackTrace(r);
        // forget --prune refuses it before it removes a snapshot
        Cli.RunChecked("backup", Source);
        r = Cli.Run("forget", "--keep-last", "1", "--prune", "--repack-smaller-than", "17M");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("repack-smaller-than exceeds repository packsize", r.Stderr);
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(Repo, "snapshots")).Count());
        r = Cli.Run("prune", "--repack-smaller-than", "lots");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("invalid size \"lots\" for --repack-smaller-than", r.Stderr);
    }

    [Fact]
    public void Prune_RepackUncompressed_IsRefusedWithCompressionOff_AndOnAVersion1Repository()
    {
        BackUpSmallChanges(1);
        var r = Cli.Run("prune", "--repack-uncompressed", "--compression", "off");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("disabled compression and `--repack-uncompressed` are mutually exclusive", r.Stderr);
        AssertNoStackTrace(r);

        var v1 = new LifeboatCli(Temp.Combine("repo-v1"), Password);
        v1.RunChecked("init", "--repository-version", "1");
        v1.RunChecked("backup", Source);
        v1.RunChecked("backup", Source);
        r = v1.Run("forget", "--keep-last", "1", "--prune", "--repack-uncompressed");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("compression requires at least repository format version 2", r.Stderr);
        AssertNoStackTrace(r);
        // refused before a snapshot was removed
        Assert.Equal(2, Directory.EnumerateFiles(Temp.Combine("repo-v1/snapshots")).Count());
        Assert.Equal(0, v1.Run("prune").ExitCode);
    }
}
