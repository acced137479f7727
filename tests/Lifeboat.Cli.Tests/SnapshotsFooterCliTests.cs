namespace Lifeboat.Cli.Tests;

/// <summary>The snapshots table's footer as restic 0.19 writes it: the zone line, then "N snapshots", also for one.</summary>
public sealed class SnapshotsFooterCliTests : CliTestBase
{
    [Fact]
    public void Snapshots_EndsWithTheZoneThenTheCount_InResticsWords()
    {
        Cli.RunChecked("init");
        WriteFile("a.txt", "a");
        Cli.RunChecked("backup", Source);
        var cli = Cli.With("TZ", "UTC");
        string[] Footer() => cli.RunChecked("snapshots").Stdout.TrimEnd('\n').Split('\n')[^2..];
        Assert.Equal(["Timestamps shown in UTC", "1 snapshots"], Footer());
        Cli.RunChecked("backup", Source);
        Assert.Equal(["Timestamps shown in UTC", "2 snapshots"], Footer());
    }
}
