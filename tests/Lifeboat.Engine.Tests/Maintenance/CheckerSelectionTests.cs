using System.Text;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Tests.Restore;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>check with chosen snapshots (restic 0.19): only their trees are walked, only their packs are offered to read-data.</summary>
public class CheckerSelectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OnlyTheChosenSnapshot_IsWalked_AndItsPacksAreTheUsedOnes()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var chosenFile = await repo.TextFileAsync("chosen", "chosen content");
        await repo.FlushAsync(); // its data in a pack of its own
        var otherFile = await repo.TextFileAsync("other", "other content");
        var missing = RestoreRepository.File("broken", [Id.Hash(Encoding.UTF8.GetBytes("never stored"))], 12);
        var chosenRoot = await repo.TreeAsync(chosenFile);
        var otherRoot = await repo.TreeAsync(otherFile, missing);
        await repo.FlushAsync();
        var chosen = new Snapshot { Time = GoTime.FromUnix(1_700_000_000, 0), Tree = chosenRoot, Paths = ["/a"] };
        var other = new Snapshot { Time = GoTime.FromUnix(1_700_000_001, 0), Tree = otherRoot, Paths = ["/b"] };
        await repo.Repository.SaveSnapshotAsync(chosen, Ct);
        await repo.Repository.SaveSnapshotAsync(other, Ct);

        var checker = new Checker(repo.Repository);
        Assert.True(await checker.LoadIndexAsync(Ct));
        await checker.CheckStructureAsync(Ct, [chosen.Id]);

        Assert.False(checker.ErrorsFound);
        var used = checker.UsedPacks().Keys.ToHashSet();
        Assert.Contains(repo.PackOf(chosenFile.Content![0]), used);
        Assert.True(repo.Repository.Index.TryLookup(BlobType.Tree, chosenRoot, out var rootLocation));
        Assert.Contains(rootLocation.PackId, used);
        Assert.DoesNotContain(repo.PackOf(otherFile.Content![0]), used);

        var all = new Checker(repo.Repository);
        Assert.True(await all.LoadIndexAsync(Ct));
        await all.CheckStructureAsync(Ct);
        Assert.Contains(all.Problems, p => p.Kind == CheckProblemKind.BlobMissing);
    }
}
