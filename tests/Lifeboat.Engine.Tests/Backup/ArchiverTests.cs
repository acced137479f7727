using Lifeboat.Engine.Backup;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>
/// The archiver as a host uses it: one instance runs again and again (a daemon's schedule), each run with its own
/// counters and cancellation, the second taking the first as its parent.
/// </summary>
public sealed class ArchiverTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _dir = new("lifeboat-archiver");

    public ArchiverTests()
    {
        Directory.CreateDirectory(_dir.Combine("src/sub"));
        File.WriteAllText(_dir.Combine("src/a"), "alpha");
        File.WriteAllText(_dir.Combine("src/sub/b"), "beta");
        File.WriteAllText(_dir.Combine("src/sub/c"), "gamma");
    }

    public void Dispose() => _dir.Dispose();

    private Archiver NewArchiver(StageRepository repo) =>
        new(repo.Repository, new BackupOptions { Paths = [_dir.Combine("src")], Hostname = "h" });

    [Fact]
    public async Task OneArchiver_RunsTwice_TheSecondRunReusingTheFirst()
    {
        await using var repo = await StageRepository.CreateAsync();
        var archiver = NewArchiver(repo);

        var first = await archiver.RunAsync(Ct);
        var second = await archiver.RunAsync(Ct);

        Assert.NotSame(first.Statistics, second.Statistics);
        Assert.Equal((3, 0), (first.Statistics.FilesNew, first.Statistics.FilesUnmodified));
        Assert.Equal((0, 3), (second.Statistics.FilesNew, second.Statistics.FilesUnmodified));
        Assert.Equal(first.SnapshotId, second.Parent?.Id);
        // the directories above the target may change meanwhile (other work in /tmp); the target's own tree does not
        var source = _dir.Combine("src");
        var before = await repo.Repository.FindNodeAsync(first.Snapshot.Tree, source, Ct);
        var after = await repo.Repository.FindNodeAsync(second.Snapshot.Tree, source, Ct);
        Assert.NotNull(before?.Subtree);
        Assert.Equal(before.Subtree, after?.Subtree);
    }

    [Fact]
    public async Task ACancelledRun_LeavesTheArchiverUsable()
    {
        await using var repo = await StageRepository.CreateAsync();
        var archiver = NewArchiver(repo);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => archiver.RunAsync(new CancellationToken(canceled: true)));
        var result = await archiver.RunAsync(Ct);

        Assert.NotNull(result.SnapshotId);
        Assert.Equal(3, result.Statistics.FilesNew);
    }

    [Fact]
    public async Task TheCallersCounters_AreTheOnesTheRunFills()
    {
        await using var repo = await StageRepository.CreateAsync();
        var statistics = new BackupStatistics();

        var result = await NewArchiver(repo).RunAsync(statistics, Ct);

        Assert.Same(statistics, result.Statistics);
        Assert.Equal((3L, 14L, 3L, 14L, true),
            (statistics.FilesDone, statistics.BytesDone, statistics.TotalFiles, statistics.TotalBytes, statistics.ScanFinished));
    }
}
