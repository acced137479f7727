using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>
/// The tree saver against the parent snapshot's tree of the same directory: an unchanged directory keeps the parent's
/// tree ID (stored once), a changed one gets a new tree, and a dry run stores nothing.
/// </summary>
public sealed class TreeSaverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Node File(string name, ulong size) => new()
    {
        Name = name,
        Type = NodeType.File,
        Mode = 0x1A4,
        ModTime = GoTime.FromUnix(1_700_000_000, 5),
        ChangeTime = GoTime.FromUnix(1_700_000_000, 5),
        Inode = 42,
        Size = size,
        Links = 1,
        Content = [Id.Hash([(byte)size])],
    };

    private static Tree Directory(ulong secondSize = 20) => new([File("a", 10), File("b", secondSize)]);

    private static TreeSaver Saver(BackupRun run) => new(run, new BlobSaver(run));

    /// <summary>A first backup's tree of the directory, as the next backup loads it from the repository.</summary>
    private static async Task<(Id Id, Tree Tree)> ParentAsync(StageRepository repo)
    {
        var run = repo.NewRun();
        var id = await Saver(run).SaveAsync(Directory(), null, null);
        Assert.Equal((1, 1), (run.Statistics.DirsNew, run.Statistics.TreeBlobs));
        await repo.Repository.FlushAsync(Ct);
        return (id, await repo.Repository.LoadTreeAsync(id, Ct));
    }

    [Fact]
    public async Task UnchangedDirectory_KeepsTheParentsTreeId()
    {
        await using var repo = await StageRepository.CreateAsync();
        var parent = await ParentAsync(repo);

        var run = repo.NewRun();
        var id = await Saver(run).SaveAsync(Directory(), parent.Id, parent.Tree);

        Assert.Equal(parent.Id, id);
        Assert.Equal((1, 0, 0), (run.Statistics.DirsUnmodified, run.Statistics.DirsChanged, run.Statistics.TreeBlobs));
    }

    /// <summary>
    /// The nightly short cut: nodes equal to a canonical parent tree's stand for its ID without the tree being written
    /// and hashed again (were it hashed, the ID would be the tree's own, not the one given).
    /// </summary>
    [Fact]
    public async Task UnchangedDirectory_IsNotWrittenOrHashedAgain()
    {
        await using var repo = await StageRepository.CreateAsync();
        var parent = await ParentAsync(repo);
        var givenId = Id.Hash("the parent's subtree ID as its snapshot names it"u8);

        var id = await Saver(repo.NewRun()).SaveAsync(Directory(), givenId, parent.Tree);

        Assert.Equal(givenId, id);
    }

    [Fact]
    public async Task ChangedDirectory_IsSavedAsANewTree()
    {
        await using var repo = await StageRepository.CreateAsync();
        var parent = await ParentAsync(repo);

        var run = repo.NewRun();
        var id = await Saver(run).SaveAsync(Directory(secondSize: 21), parent.Id, parent.Tree);
        await repo.Repository.FlushAsync(Ct);

        Assert.NotEqual(parent.Id, id);
        Assert.Equal((0, 1, 1), (run.Statistics.DirsUnmodified, run.Statistics.DirsChanged, run.Statistics.TreeBlobs));
        var saved = await repo.Repository.LoadTreeAsync(id, Ct);
        Assert.Equal([10UL, 21UL], saved.Nodes.Select(n => n.Size));
    }

    [Fact]
    public async Task DryRun_CountsTheNewTree_ButStoresNothing()
    {
        await using var repo = await StageRepository.CreateAsync();

        var run = repo.NewRun(dryRun: true);
        var id = await Saver(run).SaveAsync(Directory(), null, null);
        await repo.Repository.FlushAsync(Ct);

        Assert.Equal((1, 1), (run.Statistics.DirsNew, run.Statistics.TreeBlobs));
        Assert.Equal(Id.Hash(Directory().ToJson()), id);
        Assert.False(repo.Repository.Index.Has(BlobType.Tree, id));
    }
}
