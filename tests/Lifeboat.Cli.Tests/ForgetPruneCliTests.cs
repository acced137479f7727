using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>forget, tag and prune through the command line: output, JSON, errors and exit codes.</summary>
public sealed class ForgetPruneCliTests : CliTestBase
{
    private void InitAndBackUp(int times)
    {
        Cli.RunChecked("init");
        for (int i = 0; i < times; i++)
        {
            WriteFile($"f{i}.txt", $"content {i}");
            Cli.RunChecked("backup", Source, "--time", $"2024-01-{10 + i:00} 12:00:00");
        }
    }

    private List<string> SnapshotIds()
    {
        using var doc = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout);
        return doc.RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
    }

    [Fact]
    public void Forget_Policy_PrintsPolicyAndTables_AndRemovesSnapshots()
    {
        InitAndBackUp(4);
        var r = Cli.RunChecked("forget", "--keep-last", "2");
        Assert.Contains("Applying Policy: keep 2 latest snapshots", r.Stdout);
        Assert.Contains("keep 2 snapshots:", r.Stdout);
        Assert.Contains("remove 2 snapshots:", r.Stdout);
        Assert.Contains("last snapshot", r.Stdout);
        Assert.Equal(2, SnapshotIds().Count);
    }

    [Fact]
    public void Forget_DryRunJson_ChangesNothing_AndPrintsGroups()
    {
        InitAndBackUp(3);
        var r = Cli.RunChecked("forget", "--keep-daily", "1", "--dry-run", "--json");
        using var doc = JsonDocument.Parse(r.Stdout);
        var group = doc.RootElement.EnumerateArray().Single();
        Assert.Equal(1, group.GetProperty("keep").GetArrayLength());
        Assert.Equal(2, group.GetProperty("remove").GetArrayLength());
        Assert.Equal("daily snapshot", group.GetProperty("reasons")[0].GetProperty("matches")[0].GetString());
        Assert.Equal(3, SnapshotIds().Count);
    }

    [Fact]
    public void Forget_ById_WithPrune_RemovesTheSnapshotAndItsData()
    {
        InitAndBackUp(2);
        var first = SnapshotIds()[0];
        var r = Cli.RunChecked("forget", first[..8], "--prune");
        Assert.Contains("snapshots have been removed, running prune", r.Stdout);
        Assert.DoesNotContain(first, SnapshotIds());
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
    }

    [Theory]
    [InlineData("--keep-within", "5x")]
    [InlineData("--group-by", "hosts")]
    [InlineData("--max-unused", "150%")]
    public void Forget_BadArguments_OneLine_Exit1(string option, string value)
    {
        InitAndBackUp(1);
        var r = Cli.Run("forget", option, value, "--keep-last", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("Fatal: ", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Tag_AddSetRemove_RewritesSnapshots_KeepingTheOriginalId()
    {
        InitAndBackUp(2);
        var original = SnapshotIds();
        Assert.Contains("modified tags on 2 snapshots", Cli.RunChecked("tag", "--add", "a,b").Stdout);
        var tagged = SnapshotIds();
        Assert.Empty(tagged.Intersect(original));
        Assert.Contains("modified tags on 1 snapshots", Cli.RunChecked("tag", "--remove", "a", tagged[0][..8]).Stdout);
        Assert.Contains("no snapshots were modified", Cli.RunChecked("tag", "--add", "b").Stdout);
        using var doc = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout);
        var snaps = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, snaps.Count);
        Assert.Equal(original.Order(), snaps.Select(s => s.GetProperty("original").GetString()!).Order());
        Assert.Equal(["b"], snaps.Single(s => s.GetProperty("original").GetString() == original[0]).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var nothing = Cli.Run("tag");
        Assert.Equal(1, nothing.ExitCode);
        AssertNoStackTrace(nothing);
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, restic.Run("check").ExitCode);
    }

    [Fact]
    public void Prune_NoRepository_Exit10()
    {
        var r = Cli.Run("prune");
        Assert.Equal(10, r.ExitCode);
        AssertNoStackTrace(r);
    }
}
