using Lifeboat.Stack.State;
using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>The restore-test history in the state database: appended, read back per repository, trimmed, and a damaged database named.</summary>
public sealed class RestoreTestLogTests : IDisposable
{
    private const string RepositoryId = "5bd12c34cf95bfdf81f4a4ae92a253743b37318e1e00ab9a77b87b06e0cbc832";
    private readonly TempDirectory _temp = new();

    internal static RestoreTestRecord Record(string app, DateTimeOffset time, bool passed = true) => new()
    {
        Time = time, App = app, Host = "media-vm", SnapshotId = RepositoryId, SnapshotTime = time.AddHours(-1).AddTicks(1234567),
        Files = 12, Bytes = 3456, FilesComparedLive = 10, Databases = 1, DurationSeconds = 1.5, Passed = passed,
        Problems = passed ? [] : ["/mnt/plexdata/x.db: SQLite integrity_check failed: ...", "/mnt/plexdata/a\nb \"quoted\": differs"],
        ProblemCount = passed ? 0 : 2,
    };

    [Fact]
    public void AppendedRecordsReadBackInTimeOrderAndLatestIsPerApp()
    {
        var log = new RestoreTestLog(RepositoryId, _temp.Path);
        Assert.Equal(_temp.Combine(StateDatabase.FileName), log.FilePath);
        Assert.Empty(log.ReadAll());
        Assert.Null(log.Latest("plex"));

        var t0 = new DateTimeOffset(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);
        log.Append([Record("plex", t0.AddDays(1)), Record("sonarr", t0)]);
        log.Append([Record("plex", t0.AddDays(2), passed: false)]);

        var reopened = new RestoreTestLog(RepositoryId, _temp.Path);
        var all = reopened.ReadAll();
        Assert.Equal([t0, t0.AddDays(1), t0.AddDays(2)], all.Select(r => r.Time));
        var latest = reopened.Latest("plex");
        Assert.NotNull(latest);
        Assert.False(latest.Passed);
        Assert.Equal(t0.AddDays(2), latest.Time);
        Assert.Equal(Record("plex", t0, passed: false).Problems, latest.Problems);
        Assert.Equal(2, latest.ProblemCount);
        var sonarr = reopened.Latest("sonarr")!;
        Assert.True(sonarr.Passed);
        Assert.Empty(sonarr.Problems);
        Assert.Equal((RepositoryId, t0.AddHours(-1).AddTicks(1234567), 12L, 3456L, 10L, 1L, 1.5, 100.0),
            (sonarr.SnapshotId, sonarr.SnapshotTime, sonarr.Files, sonarr.Bytes, sonarr.FilesComparedLive, sonarr.Databases, sonarr.DurationSeconds, sonarr.SamplePercent));
        // no JSON history is written any more
        Assert.False(Directory.Exists(_temp.Combine("repositories")));
    }

    [Fact]
    public void RepositoriesAreKeptApart()
    {
        const string other = "abcdef0123";
        var t0 = new DateTimeOffset(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);
        new RestoreTestLog(RepositoryId, _temp.Path).Append([Record("plex", t0)]);
        new RestoreTestLog(other, _temp.Path).Append([Record("plex", t0.AddDays(1), passed: false)]);
        Assert.True(new RestoreTestLog(RepositoryId, _temp.Path).Latest("plex")!.Passed);
        Assert.False(new RestoreTestLog(other, _temp.Path).Latest("plex")!.Passed);
        Assert.Single(new RestoreTestLog(other, _temp.Path).ReadAll());
    }

    [Fact]
    public void ADamagedDatabaseIsOneClearErrorNamingTheFile()
    {
        var log = new RestoreTestLog(RepositoryId, _temp.Path);
        File.WriteAllText(log.FilePath, new string('x', 4096));
        var e = Assert.Throws<StackException>(() => log.ReadAll());
        Assert.Contains(log.FilePath, e.Message);
        Assert.Contains("move it aside", e.Message);
        Assert.Throws<StackException>(() => log.Append([Record("plex", DateTimeOffset.Now)]));
        Assert.Throws<StackException>(log.EnsureUsable);
    }

    [Fact]
    public void OnlyTheNewestMaxRecordsOfARepositoryAreKept()
    {
        var log = new RestoreTestLog(RepositoryId, _temp.Path);
        var other = new RestoreTestLog("abcdef", _temp.Path);
        var t0 = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        other.Append([Record("plex", t0.AddDays(-1))]);
        log.Append(Enumerable.Range(0, RestoreTestLog.MaxRecords).Select(i => Record("plex", t0.AddMinutes(i))));
        log.Append([Record("plex", t0.AddMinutes(RestoreTestLog.MaxRecords)), Record("plex", t0.AddMinutes(RestoreTestLog.MaxRecords + 1))]);
        var all = log.ReadAll();
        Assert.Equal(RestoreTestLog.MaxRecords, all.Count);
        Assert.Equal(t0.AddMinutes(2), all[0].Time);
        Assert.Equal(t0.AddMinutes(RestoreTestLog.MaxRecords + 1), all[^1].Time);
        // another repository's older record is not this one's to drop
        Assert.Single(other.ReadAll());
    }

    [Fact]
    public void ARepositoryIdIsHexadecimal() =>
        Assert.Throws<ArgumentException>(() => new RestoreTestLog("../../etc", _temp.Path));

    public void Dispose() => _temp.Dispose();
}
