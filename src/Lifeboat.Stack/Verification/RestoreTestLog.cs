using System.Globalization;
using System.Text.Json;
using Lifeboat.Stack.State;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// The history of restore tests of one repository on this machine, in the state database's restore_tests table
/// (keyed by the repository's ID; see <see cref="StateDatabase"/> for where it is). Earlier versions kept it in
/// STATE/repositories/REPOSITORY-ID/restore-tests.json: that file is imported on first use and renamed *.imported.
/// </summary>
public sealed class RestoreTestLog
{
    /// <summary>Enough for years of daily tests of a dozen apps; older entries are dropped first.</summary>
    public const int MaxRecords = 50_000;

    public const string LegacyFileName = "restore-tests.json";

    private readonly RepositoryRecords _records;

    /// <summary>The state database the history is in.</summary>
    public string FilePath => _records.Database.FilePath;

    public RestoreTestLog(string repositoryId, string? stateDirectory = null) : this(repositoryId, new StateDatabase(stateDirectory))
    {
    }

    public RestoreTestLog(string repositoryId, StateDatabase database)
    {
        _records = new RepositoryRecords(database, repositoryId, "restore_tests", LegacyFileName, (connection, path) =>
            LegacyJsonHistory.ImportOnce(connection, path, StateJsonContext.Default.ListRestoreTestRecord, "the restore-test history",
                (transaction, record) => Insert(connection, transaction, record)));
    }

    /// <summary>$LIFEBOAT_STATE_DIR, else $XDG_STATE_HOME/lifeboat, else ~/.local/state/lifeboat.</summary>
    public static string DefaultStateDirectory() => StateDirectory.Default();

    /// <summary>Every record, oldest first; none when no test has run. A database that cannot be used is an error naming it.</summary>
    public IReadOnlyList<RestoreTestRecord> ReadAll() => Query(null, int.MaxValue, newestFirst: false);

    /// <summary>The newest record of the app, or null.</summary>
    public RestoreTestRecord? Latest(string app) => Query(app, 1, newestFirst: true).SingleOrDefault();

    /// <summary>Throws the error that reading or appending would, before a long test whose record could then not be kept.</summary>
    public void EnsureUsable()
    {
        using var connection = _records.Open();
    }

    public void Append(IEnumerable<RestoreTestRecord> records)
    {
        using var connection = _records.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var record in records) Insert(connection, transaction, record);
        _records.KeepNewest(connection, transaction, MaxRecords);
        transaction.Commit();
    }

    private void Insert(SqliteConnection connection, SqliteTransaction transaction, RestoreTestRecord record)
    {
        using var command = _records.Command(connection, """
            INSERT OR IGNORE INTO restore_tests (repository, app, time_ms, host, snapshot, snapshot_time, sample_percent, files, bytes,
                files_compared_live, databases, duration_seconds, passed, problems, problem_count)
            VALUES ($repository, $app, $time, $host, $snapshot, $snapshot_time, $sample_percent, $files, $bytes,
                $files_compared_live, $databases, $duration, $passed, $problems, $problem_count)
            """, transaction);
        command.Parameters.AddWithValue("$app", record.App);
        command.Parameters.AddWithValue("$time", RepositoryRecords.ToMs(record.Time));
        command.Parameters.AddWithValue("$host", record.Host);
        command.Parameters.AddWithValue("$snapshot", record.SnapshotId);
        command.Parameters.AddWithValue("$snapshot_time", record.SnapshotTime.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$sample_percent", record.SamplePercent);
        command.Parameters.AddWithValue("$files", record.Files);
        command.Parameters.AddWithValue("$bytes", record.Bytes);
        command.Parameters.AddWithValue("$files_compared_live", record.FilesComparedLive);
        command.Parameters.AddWithValue("$databases", record.Databases);
        command.Parameters.AddWithValue("$duration", record.DurationSeconds);
        command.Parameters.AddWithValue("$passed", record.Passed);
        command.Parameters.AddWithValue("$problems", ProblemsJson(record.Problems));
        command.Parameters.AddWithValue("$problem_count", record.ProblemCount);
        command.ExecuteNonQuery();
    }

    /// <summary>A compact JSON array: a problem names a file, and a file name may hold any character but NUL.</summary>
    private static string ProblemsJson(IReadOnlyList<string> problems)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var problem in problems) writer.WriteStringValue(problem);
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private List<RestoreTestRecord> Query(string? app, int limit, bool newestFirst)
    {
        using var connection = _records.Open();
        var order = newestFirst ? "DESC" : "ASC";
        using var command = _records.Command(connection, $"""
            SELECT time_ms, app, host, snapshot, snapshot_time, sample_percent, files, bytes, files_compared_live, databases,
                duration_seconds, passed, problems, problem_count FROM restore_tests
            WHERE repository = $repository {(app is null ? "" : "AND app = $app")} ORDER BY time_ms {order}, id {order} LIMIT $limit
            """);
        if (app is not null) command.Parameters.AddWithValue("$app", app);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var records = new List<RestoreTestRecord>();
        while (reader.Read())
        {
            records.Add(new RestoreTestRecord
            {
                Time = RepositoryRecords.FromMs(reader.GetInt64(0)),
                App = reader.GetString(1),
                Host = reader.GetString(2),
                SnapshotId = reader.GetString(3),
                SnapshotTime = DateTimeOffset.ParseExact(reader.GetString(4), "O", CultureInfo.InvariantCulture),
                SamplePercent = reader.GetDouble(5),
                Files = reader.GetInt64(6),
                Bytes = reader.GetInt64(7),
                FilesComparedLive = reader.GetInt64(8),
                Databases = reader.GetInt64(9),
                DurationSeconds = reader.GetDouble(10),
                Passed = reader.GetBoolean(11),
                Problems = JsonSerializer.Deserialize(reader.GetString(12), StateJsonContext.Default.ListString) ?? [],
                ProblemCount = reader.GetInt64(13),
            });
        }
        return records;
    }
}
