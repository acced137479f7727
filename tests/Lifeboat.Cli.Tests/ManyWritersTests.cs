using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>Four hosts backing up into one local repository at once while a prune waits for them (issue 16).</summary>
public class ManyWritersTests : CliTestBase
{
    [Fact]
    public async Task Four_concurrent_writers_and_a_waiting_prune_lose_nothing()
    {
        var scenario = new ManyWritersScenario(Temp, () => new LifeboatCli(Repo, Password), ["--cache-dir", Temp.Combine("cache")],
            () => new Restic(Repo, Password), []);
        var outcome = await scenario.RunAsync(TestContext.Current.CancellationToken);
        Assert.Equal(12, outcome.Backups);
        Assert.True(outcome.PruneOverlappedBackups, "the prune was asked for only after every backup had ended: nothing was concurrent");
        TestContext.Current.TestOutputHelper?.WriteLine($"{outcome.Backups} concurrent backups and a prune: {outcome.Snapshots} snapshots checked and restored in {outcome.Elapsed.TotalSeconds:F1} s; the prune waited {outcome.PruneWaited.TotalSeconds:F1} s");
    }
}
