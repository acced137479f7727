using Lifeboat.Stack.State;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// The outcome of every stack backup run of one repository on this machine, in
/// STATE/repositories/REPOSITORY-ID/backup-runs.json beside the restore-test history: a failed run leaves no snapshot,
/// so only this history shows that last night's backup did not happen while an older snapshot is still young.
/// </summary>
public sealed class BackupRunLog
{
    /// <summary>Months of nightly runs of a dozen apps; older entries are dropped first.</summary>
    public const int MaxRecords = 5000;

    private readonly JsonHistoryFile<BackupRunRecord> _file;

    public string FilePath => _file.FilePath;

    public BackupRunLog(string repositoryId, string? stateDirectory = null)
    {
        _file = new JsonHistoryFile<BackupRunRecord>(StateDirectory.RepositoryFile(repositoryId, "backup-runs.json", stateDirectory), StateJsonContext.Default.ListBackupRunRecord,
            r => r.Time, MaxRecords, "the backup-run history", "move it aside (the next backup starts a new one)");
    }

    /// <summary>Every record, oldest first.</summary>
    public IReadOnlyList<BackupRunRecord> ReadAll() => _file.ReadAll();

    /// <summary>The newest run of the app, or null.</summary>
    public BackupRunRecord? Latest(string app) => ReadAll().Where(r => r.App == app).MaxBy(r => r.Time);

    public void Append(IEnumerable<BackupRunRecord> records) => _file.Append(records);
}
