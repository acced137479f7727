using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>forget as restic 0.17: no empty policy, no group left empty, --unsafe-allow-remove-all with a filter, ids in the JSON reasons.</summary>
public class ForgetRemoveAllCliTests : CliTestBase
{
    private int SnapshotCount() => JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement.GetArrayLength();

    private void TwoHostsTwoSnapshotsEach()
    {
        WriteFile("a.txt", "a");
        Cli.RunChecked("init");
        foreach (var host in new[] { "one", "one", "two", "two" }) Cli.RunChecked("backup", Source, "--host", host);
    }

    [Fact]
    public void AnEmptyPolicy_AndAGroupLeftEmpty_AreRefused_RemoveAllNeedsAFilter()
    {
        TwoHostsTwoSnapshotsEach();

        var empty = Cli.Run("forget");
        Assert.NotEqual(0, empty.ExitCode);
        Assert.Contains("no policy was specified, no snapshots will be removed", empty.Stderr);

        var noTag = Cli.Run("forget", "--keep-tag", "no-such-tag");
        Assert.NotEqual(0, noTag.ExitCode);
        Assert.Contains("refusing to delete last snapshot of snapshot group \"host one, path [" + Source + "]\"", noTag.Stderr);

        var noFilter = Cli.Run("forget", "--unsafe-allow-remove-all");
        Assert.Contains("--unsafe-allow-remove-all is not allowed unless a snapshot filter option is specified", noFilter.Stderr);
        Assert.Equal(4, SnapshotCount());

        Cli.RunChecked("forget", "--unsafe-allow-remove-all", "--host", "one");
        Assert.Equal(2, SnapshotCount());
        Assert.All(JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement.EnumerateArray(),
            s => Assert.Equal("two", s.GetProperty("hostname").GetString()));
    }

    [Fact]
    public void JsonReasons_NameTheKeptSnapshotById()
    {
        TwoHostsTwoSnapshotsEach();

        var json = Cli.RunChecked("forget", "--keep-last", "1", "--dry-run", "--json").Stdout;

        foreach (var group in JsonDocument.Parse(json).RootElement.EnumerateArray())
        {
            var kept = Assert.Single(group.GetProperty("keep").EnumerateArray()).GetProperty("id").GetString();
            var reason = Assert.Single(group.GetProperty("reasons").EnumerateArray());
            Assert.Equal(kept, reason.GetProperty("snapshot").GetProperty("id").GetString());
            Assert.Equal(kept![..8], reason.GetProperty("snapshot").GetProperty("short_id").GetString());
        }
    }
}
