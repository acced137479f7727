using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Tests.Restore;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>diff's bitrot hint (restic 0.17): "M?" for new content under metadata that did not change at all.</summary>
public class DiffBitrotTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ContentChangedUnderTheSameMetadata_IsMarkedAsProbableBitrot_AnEditIsNot()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var before = await repo.TreeAsync(await repo.TextFileAsync("rotted", "good"), await repo.TextFileAsync("edited", "v1"));
        var rotted = await repo.TextFileAsync("rotted", "bad!");
        var edited = await repo.TextFileAsync("edited", "v2");
        edited.ModTime = GoTime.FromUnix(1_700_000_000, 0);
        var after = await repo.TreeAsync(rotted, edited);
        await repo.FlushAsync();
        var changes = new List<string>();

        await new DiffCalculator(repo.Repository, showMetadata: false, c => changes.Add($"{c.Modifier} {c.Path}"))
            .RunAsync(new Snapshot { Tree = before }, new Snapshot { Tree = after }, Ct);

        Assert.Equal(["M /edited", "M? /rotted"], changes);
    }
}
