using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>The restore-test history: appended atomically, read back, trimmed, and a damaged file named.</summary>
public sealed class RestoreTestLogTests : IDisposable
{
    private const string RepositoryId = "5bd12c34cf95bfdf81f4a4ae92a253743b37318e1e00ab9a77b87b06e0cbc832";
    private readonly TempDirectory _temp = new();

    private static RestoreTestRecord Record(string app, DateTimeOffset time, bool passed = true) => new()
    {
        Time = time, App = app, Host = "media-vm", SnapshotId = RepositoryId, SnapshotTime = time.AddHours(-1),
        Files = 12, Bytes = 3456, FilesComparedLive = 10, Databases = 1, DurationSeconds = 1.5, Passed = passed,
        Problems = passed ? [] : ["/mnt/plexdata/x.db: SQLite integrity_check failed: ..."], ProblemCount = passed ? 0 : 1,
    };

    [Fact]
    public void AppendedRecordsReadBackInTimeOrderAndLatestIsPerApp()
    {
        var log = new RestoreTestLog(RepositoryId, _temp.Path);
        Assert.Equal(_temp.Combine($"repositories/{RepositoryId}/restore-tests.json"), log.FilePath);
        Assert.Empty(log.ReadAll());
        Assert.Null(log.Latest("plex"));

        var t0 = new DateTimeOffset(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);
        log.Append([Record("plex", t0.AddDays(1)), Record("sonarr", t0)]);
        log.Append([Record("plex", t0.AddDays(2), passed: false)]);

        var all = log.ReadAll();
        Assert.Equal([t0, t0.AddDays(1), t0.AddDays(2)], all.Select(r => r.Time));
        var latest = log.Latest("plex");
        Assert.NotNull(latest);
        Assert.False(latest.Passed);
        Assert.Equal(t0.AddDays(2), latest.Time);
        Assert.Equal(["/mnt/plexdata/x.db: SQLite integrity_check failed: ..."], latest.Problems);
        var sonarr = log.Latest("sonarr")!;
        Assert.True(sonarr.Passed);
        Assert.Equal((RepositoryId, t0.AddHours(-1), 12L, 3456L, 10L, 1L, 1.5, 100.0),
            (sonarr.SnapshotId, sonarr.SnapshotTime, sonarr.Files, sonarr.Bytes, sonarr.FilesComparedLive, sonarr.Databases, sonarr.DurationSeconds, sonarr.SamplePercent));
        // JSON names are snake_case, for doctor, the dashboard and anyone's jq
        var json = File.ReadAllText(log.FilePath);
        foreach (var name in new[] { "\"time\"", "\"snapshot\"", "\"snapshot_time\"", "\"sample_percent\"", "\"files_compared_live\"", "\"duration_seconds\"", "\"problem_count\"" })
            Assert.Contains(name, json);
        // the temporary file of the atomic rewrite does not stay
        Assert.Equal([log.FilePath], Directory.GetFiles(Path.GetDirectoryName(log.FilePath)!));
    }

    [Fact]
    public void ADamagedHistoryIsOneClearErrorNamingTheFile()
    {
        var log = new RestoreTestLog(RepositoryId, _temp.Path);
        log.Append([Record("plex", DateTimeOffset.Now)]);
        File.WriteAllText(log.FilePath, File.ReadAllText(log.FilePath)[..40]);
        var e = Assert.Throws<StackException>(() => log.ReadAll());
        Assert.Contains(log.FilePath, e.Message);
        Assert.Contains("damaged", e.Message);
        Assert.Throws<StackException>(() => log.Append([Record("plex", DateTimeOffset.Now)]));
    }

    [Fact]
    public void OnlyTheNewestMaxRecordsAreKept()
    {
        var log = new RestoreTestLog(RepositoryId, _temp.Path);
        var t0 = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        log.Append(Enumerable.Range(0, RestoreTestLog.MaxRecords).Select(i => Record("plex", t0.AddDays(i))));
        log.Append([Record("plex", t0.AddDays(RestoreTestLog.MaxRecords)), Record("plex", t0.AddDays(RestoreTestLog.MaxRecords + 1))]);
        var all = log.ReadAll();
        Assert.Equal(RestoreTestLog.MaxRecords, all.Count);
        Assert.Equal(t0.AddDays(2), all[0].Time);
        Assert.Equal(t0.AddDays(RestoreTestLog.MaxRecords + 1), all[^1].Time);
    }

    [Fact]
    public void ARepositoryIdIsHexadecimal() =>
        Assert.Throws<ArgumentException>(() => new RestoreTestLog("../../etc", _temp.Path));

    public void Dispose() => _temp.Dispose();
}
