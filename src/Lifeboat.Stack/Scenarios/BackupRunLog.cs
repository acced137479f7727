using Lifeboat.Stack.State;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// The outcome of every stack backup run of one repository on this machine, in the state database's backup_runs table
/// (keyed by the repository's ID and the config file) beside the restore tests: a failed run leaves no snapshot, so
/// only this history shows that last night's backup did not happen while an older snapshot is still young. Earlier
/// versions kept it in STATE/repositories/REPOSITORY-ID/backup-runs.json: that file is imported on first use and
/// renamed *.imported.
/// </summary>
public sealed class BackupRunLog
{
    /// <summary>Years of hourly runs of a dozen apps; older entries are dropped first.</summary>
    public const int MaxRecords = 200_000;

    public const string LegacyFileName = "backup-runs.json";

    private readonly RepositoryRecords _records;

    /// <summary>The state database the history is in.</summary>
    public string FilePath => _records.Database.FilePath;

    public BackupRunLog(string repositoryId, string? stateDirectory = null) : this(repositoryId, new StateDatabase(stateDirectory))
    {
    }

    public BackupRunLog(string repositoryId, StateDatabase database)
    {
        _records = new RepositoryRecords(database, repositoryId, "backup_runs", LegacyFileName, (connection, path) =>
            LegacyJsonHistory.ImportOnce(connection, path, StateJsonContext.Default.ListBackupRunRecord, "the backup-run history",
                (transaction, record) => Insert(connection, transaction, record)));
    }

    /// <summary>
    /// The lifeboat.yaml whose runs these are (made a full path): appended records are stamped with it, and the queries
    /// see only its runs and those of versions that recorded no config. Null: every run of the repository.
    /// </summary>
    public string? ConfigFile
    {
        get => _configFile;
        init => _configFile = value is null ? null : Path.GetFullPath(value);
    }

    private readonly string? _configFile;

    /// <summary>Every record, oldest first.</summary>
    public IReadOnlyList<BackupRunRecord> ReadAll() => Query("", null, int.MaxValue, newestFirst: false);

    /// <summary>The newest run of the app, or null.</summary>
    public BackupRunRecord? Latest(string app) => Query("AND app = $app", app, 1, newestFirst: true).SingleOrDefault();

    /// <summary>The newest run of the app that wrote a complete snapshot, or null.</summary>
    public BackupRunRecord? LatestSuccess(string app) =>
        Query($"AND app = $app AND outcome = '{BackupRunRecord.Ok}'", app, 1, newestFirst: true).SingleOrDefault();

    public void Append(IEnumerable<BackupRunRecord> records)
    {
        using var connection = _records.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var record in records) Insert(connection, transaction, record.Config is null && _configFile is not null ? record with { Config = _configFile } : record);
        _records.KeepNewest(connection, transaction, MaxRecords);
        transaction.Commit();
    }

    private void Insert(SqliteConnection connection, SqliteTransaction transaction, BackupRunRecord record)
    {
        using var command = _records.Command(connection, """
            INSERT OR IGNORE INTO backup_runs (repository, app, time_ms, host, outcome, snapshot, error, duration_seconds, files, bytes_added, config)
            VALUES ($repository, $app, $time, $host, $outcome, $snapshot, $error, $duration, $files, $bytes_added, $config)
            """, transaction);
        command.Parameters.AddWithValue("$app", record.App);
        command.Parameters.AddWithValue("$time", RepositoryRecords.ToMs(record.Time));
        command.Parameters.AddWithValue("$host", record.Host);
        command.Parameters.AddWithValue("$outcome", record.Outcome);
        command.Parameters.AddWithValue("$snapshot", (object?)record.SnapshotId ?? DBNull.Value);
        command.Parameters.AddWithValue("$error", (object?)record.Error ?? DBNull.Value);
        command.Parameters.AddWithValue("$duration", record.DurationSeconds);
        command.Parameters.AddWithValue("$files", (object?)record.Files ?? DBNull.Value);
        command.Parameters.AddWithValue("$bytes_added", (object?)record.BytesAdded ?? DBNull.Value);
        command.Parameters.AddWithValue("$config", (object?)record.Config ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    private List<BackupRunRecord> Query(string filter, string? app, int limit, bool newestFirst)
    {
        using var connection = _records.Open();
        var order = newestFirst ? "DESC" : "ASC";
        var ofConfig = _configFile is null ? "" : "AND (config = $config OR config IS NULL)";
        using var command = _records.Command(connection, $"""
            SELECT time_ms, app, host, outcome, snapshot, error, duration_seconds, files, bytes_added, config FROM backup_runs
            WHERE repository = $repository {filter} {ofConfig} ORDER BY time_ms {order}, id {order} LIMIT $limit
            """);
        if (app is not null) command.Parameters.AddWithValue("$app", app);
        if (_configFile is not null) command.Parameters.AddWithValue("$config", _configFile);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var records = new List<BackupRunRecord>();
        while (reader.Read())
        {
            records.Add(new BackupRunRecord
            {
                Time = RepositoryRecords.FromMs(reader.GetInt64(0)),
                App = reader.GetString(1),
                Host = reader.GetString(2),
                Outcome = reader.GetString(3),
                SnapshotId = reader.IsDBNull(4) ? null : reader.GetString(4),
                Error = reader.IsDBNull(5) ? null : reader.GetString(5),
                DurationSeconds = reader.GetDouble(6),
                Files = reader.IsDBNull(7) ? null : reader.GetInt64(7),
                BytesAdded = reader.IsDBNull(8) ? null : reader.GetInt64(8),
                Config = reader.IsDBNull(9) ? null : reader.GetString(9),
            });
        }
        return records;
    }
}
