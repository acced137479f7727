using System.Text.Json;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.State;
using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// The JSON histories of earlier versions (STATE/repositories/ID/backup-runs.json and restore-tests.json) move into
/// the state database once: every record kept, the file renamed *.imported, and a crash between the import's commit
/// and the rename imports nothing twice.
/// </summary>
public sealed class LegacyJsonHistoryTests : IDisposable
{
    private const string RepositoryId = "0123456789abcdef";
    private readonly TempDirectory _temp = new();
    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 3, 0, 0, TimeSpan.FromHours(1));

    private string Legacy(string fileName) => StateDirectory.RepositoryFile(RepositoryId, fileName, _temp.Path);

    /// <summary>Writes the file as earlier versions did: the record list with the same JSON contract.</summary>
    private void WriteLegacy<T>(string fileName, List<T> records, System.Text.Json.Serialization.Metadata.JsonTypeInfo<List<T>> contract)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Legacy(fileName))!);
        File.WriteAllBytes(Legacy(fileName), JsonSerializer.SerializeToUtf8Bytes(records, contract));
    }

    private static List<BackupRunRecord> Runs() =>
    [
        new() { Time = T0, App = "plex", Host = "media-vm", Outcome = BackupRunRecord.Ok, SnapshotId = new string('a', 64), DurationSeconds = 12.5 },
        new() { Time = T0.AddDays(1), App = "plex", Host = "media-vm", Outcome = BackupRunRecord.Failed, Error = "the container plex does not exist", DurationSeconds = 0.2 },
        new() { Time = T0.AddDays(1), App = "sonarr", Host = "media-vm", Outcome = BackupRunRecord.Partial, SnapshotId = new string('b', 64), Error = "2 items could not be read" },
    ];

    [Fact]
    public void ABackupRunHistoryIsImportedOnceAndRenamed()
    {
        WriteLegacy(BackupRunLog.LegacyFileName, Runs(), StateJsonContext.Default.ListBackupRunRecord);
        var log = new BackupRunLog(RepositoryId, _temp.Path);
        Assert.Equal(Runs(), log.ReadAll());
        Assert.False(File.Exists(Legacy(BackupRunLog.LegacyFileName)));
        Assert.True(File.Exists(Legacy(BackupRunLog.LegacyFileName) + LegacyJsonHistory.ImportedSuffix));
        // what doctor reads: the newest run of each app, and the newest complete one
        Assert.Equal(BackupRunRecord.Failed, log.Latest("plex")!.Outcome);
        Assert.Equal(T0, log.LatestSuccess("plex")!.Time);
        Assert.Null(log.LatestSuccess("sonarr"));
        // records of older versions did not know files and bytes added
        Assert.Null(log.Latest("plex")!.Files);

        // new runs go to the database beside the imported ones; a new instance imports nothing again
        log.Append([Runs()[0] with { Time = T0.AddDays(2), Files = 10, BytesAdded = 2048 }]);
        var reopened = new BackupRunLog(RepositoryId, _temp.Path);
        Assert.Equal(4, reopened.ReadAll().Count);
        Assert.Equal((10L, 2048L), (reopened.Latest("plex")!.Files, reopened.Latest("plex")!.BytesAdded));
    }

    [Fact]
    public void ACrashBetweenTheImportAndTheRenameImportsNothingTwice()
    {
        var tests = new List<RestoreTestRecord> { RestoreTestLogTests.Record("plex", T0), RestoreTestLogTests.Record("plex", T0.AddDays(7), passed: false) };
        WriteLegacy(RestoreTestLog.LegacyFileName, tests, StateJsonContext.Default.ListRestoreTestRecord);
        Assert.Equal(2, new RestoreTestLog(RepositoryId, _temp.Path).ReadAll().Count);

        // the rename never happened: the same file is there again at the next start
        File.Copy(Legacy(RestoreTestLog.LegacyFileName) + LegacyJsonHistory.ImportedSuffix, Legacy(RestoreTestLog.LegacyFileName));
        var log = new RestoreTestLog(RepositoryId, _temp.Path);
        var all = log.ReadAll();
        Assert.Equal([T0, T0.AddDays(7)], all.Select(r => r.Time));
        Assert.Equal(tests[1].Problems, all[1].Problems);
        Assert.False(File.Exists(Legacy(RestoreTestLog.LegacyFileName)));
    }

    [Fact]
    public void ADamagedHistoryIsNamedAndLeftWhereItIs()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Legacy(RestoreTestLog.LegacyFileName))!);
        File.WriteAllText(Legacy(RestoreTestLog.LegacyFileName), "[{\"time\": \"2026-");
        var log = new RestoreTestLog(RepositoryId, _temp.Path);
        var e = Assert.Throws<StackException>(() => log.Latest("plex"));
        Assert.Contains(Legacy(RestoreTestLog.LegacyFileName), e.Message);
        Assert.Contains("damaged", e.Message);
        Assert.True(File.Exists(Legacy(RestoreTestLog.LegacyFileName)));

        // moved aside, as the message says: the history starts anew
        File.Move(Legacy(RestoreTestLog.LegacyFileName), Legacy(RestoreTestLog.LegacyFileName) + ".bad");
        Assert.Empty(new RestoreTestLog(RepositoryId, _temp.Path).ReadAll());
    }

    public void Dispose() => _temp.Dispose();
}
