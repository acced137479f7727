using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>
/// The summary restic 0.17 records in each snapshot, and its program_version: the archiver fills them from the run's
/// counters, as the backup's JSON summary line reports them, and they reach the repository.
/// </summary>
public sealed class SnapshotSummaryFillTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _dir = new("lifeboat-summary");

    public SnapshotSummaryFillTests()
    {
        Directory.CreateDirectory(_dir.Combine("src/sub"));
        File.WriteAllText(_dir.Combine("src/a"), "alpha");
        File.WriteAllText(_dir.Combine("src/sub/b"), "beta");
        // compressible: what is stored is much smaller than what was added
        File.WriteAllBytes(_dir.Combine("src/sub/zeros"), new byte[300_000]);
    }

    public void Dispose() => _dir.Dispose();

    private Archiver NewArchiver(StageRepository repo) =>
        new(repo.Repository, new BackupOptions { Paths = [_dir.Combine("src")], Hostname = "h", Time = GoTime.Parse("2020-01-01T00:00:00Z") });

    [Fact]
    public async Task AFirstBackup_RecordsItsCountsTimesAndVersion_InTheStoredSnapshot()
    {
        await using var repo = await StageRepository.CreateAsync();
        var before = DateTimeOffset.UtcNow;

        var result = await NewArchiver(repo).RunAsync(Ct);

        var stored = await repo.Repository.LoadSnapshotAsync(result.SnapshotId!.Value, Ct);
        var s = Assert.IsType<SnapshotSummary>(stored.Summary);
        Assert.Equal((3ul, 0ul, 0ul, 3ul, 300_009ul), (s.FilesNew, s.FilesChanged, s.FilesUnmodified, s.TotalFilesProcessed, s.TotalBytesProcessed));
        Assert.True(s.DirsNew >= 2, $"dirs_new {s.DirsNew}");
        Assert.True(s.DataBlobs >= 3 && s.TreeBlobs >= 2, $"{s.DataBlobs} data, {s.TreeBlobs} tree blobs");
        Assert.True(s.DataAdded > 300_009, $"data_added {s.DataAdded}");
        Assert.InRange(s.DataAddedPacked, 1ul, s.DataAdded / 10);
        // the run's own clock, not the --time given
        Assert.InRange(s.BackupStart.ToDateTimeOffset(), before.AddSeconds(-1), s.BackupEnd.ToDateTimeOffset());
        Assert.InRange(s.BackupEnd.ToDateTimeOffset(), s.BackupStart.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Matches(@"^lifeboat \d+\.\d+\.\d+", stored.ProgramVersion);
    }

    [Fact]
    public async Task ABackupWithNothingChanged_CountsItAllUnmodified_AndAddsNoData()
    {
        await using var repo = await StageRepository.CreateAsync();
        var archiver = NewArchiver(repo);
        await archiver.RunAsync(Ct);

        var second = await archiver.RunAsync(Ct);

        var s = second.Snapshot.Summary!;
        Assert.Equal((0ul, 0ul, 3ul, 3ul, 300_009ul), (s.FilesNew, s.FilesChanged, s.FilesUnmodified, s.TotalFilesProcessed, s.TotalBytesProcessed));
        Assert.Equal(0, s.DataBlobs);
    }

    [Fact]
    public async Task ADryRun_CountsTheSame_ButStoresNoSnapshot()
    {
        await using var repo = await StageRepository.CreateAsync();

        var result = await new Archiver(repo.Repository, new BackupOptions { Paths = [_dir.Combine("src")], Hostname = "h", DryRun = true }).RunAsync(Ct);

        Assert.Null(result.SnapshotId);
        Assert.Equal(3ul, result.Snapshot.Summary!.FilesNew);
        Assert.True(result.Snapshot.Summary.DataAddedPacked >= result.Snapshot.Summary.DataAdded);
    }
}
