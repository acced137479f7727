using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.State;

/// <summary>
/// The records that grow on this machine (job runs, backup runs, restore tests, containers stopped) in one SQLite database,
/// STATE/lifeboat.db: appends are transactions, so a crash leaves the previous records, and a month of nightly runs
/// costs no rewrite of a growing file. Several processes share it (the daemon and a one-shot CLI run): WAL mode and a
/// busy timeout let them take turns. Each logical record type owns its tables; <see cref="Migrations"/> creates them
/// in order, tracked by SQLite's user_version.
/// </summary>
public sealed class StateDatabase
{
    public const string FileName = "lifeboat.db";

    /// <summary>The schema, one step per version; never edit a step once released, add one.</summary>
    private static readonly string[] Migrations =
    [
        // 1: job runs (the daemon's schedule and the CLI's --notify runs)
        """
        CREATE TABLE job_runs (
            id TEXT PRIMARY KEY,
            job TEXT NOT NULL,
            apps TEXT NOT NULL,
            trigger TEXT NOT NULL,
            scope TEXT NOT NULL,
            started_ms INTEGER NOT NULL,
            finished_ms INTEGER,
            outcome TEXT,
            exit_code INTEGER,
            summary TEXT
        );
        CREATE INDEX job_runs_by_job ON job_runs (scope, job, apps, started_ms);
        """,
        // 2: per repository (by its ID), each app's backup runs and restore tests, formerly
        // STATE/repositories/ID/backup-runs.json and restore-tests.json (imported once, see LegacyJsonHistory).
        // The unique keys make that import idempotent: a crash between its commit and the file's rename imports nothing twice.
        """
        CREATE TABLE backup_runs (
            id INTEGER PRIMARY KEY,
            repository TEXT NOT NULL,
            app TEXT NOT NULL,
            time_ms INTEGER NOT NULL,
            host TEXT NOT NULL,
            outcome TEXT NOT NULL,
            snapshot TEXT,
            error TEXT,
            duration_seconds REAL NOT NULL,
            files INTEGER,
            bytes_added INTEGER,
            UNIQUE (repository, app, time_ms, host)
        );
        CREATE INDEX backup_runs_by_time ON backup_runs (repository, time_ms);
        CREATE TABLE restore_tests (
            id INTEGER PRIMARY KEY,
            repository TEXT NOT NULL,
            app TEXT NOT NULL,
            time_ms INTEGER NOT NULL,
            host TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            snapshot_time TEXT NOT NULL,
            sample_percent REAL NOT NULL,
            files INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            files_compared_live INTEGER NOT NULL,
            databases INTEGER NOT NULL,
            duration_seconds REAL NOT NULL,
            passed INTEGER NOT NULL,
            problems TEXT NOT NULL,
            problem_count INTEGER NOT NULL,
            UNIQUE (repository, app, time_ms, host)
        );
        CREATE INDEX restore_tests_by_time ON restore_tests (repository, time_ms);
        """,
        // 3: the config file (full path) each backup run was made with: a one-off config pointed at the same repository
        // keeps its failed runs to itself. Rows of earlier versions have none and count for every config.
        """
        ALTER TABLE backup_runs ADD COLUMN config TEXT;
        """,
        // 4: the last lines of each finished job run's output, by the run's id (the dashboard shows a finished job's log)
        """
        CREATE TABLE IF NOT EXISTS job_run_logs (
            id TEXT PRIMARY KEY,
            log TEXT NOT NULL
        );
        """,
        // 5: containers a Lifeboat process stopped and has not yet started again, with the process (PID, start time,
        // boot), so that a run after a killed one starts them (ContainerStopLog)
        """
        CREATE TABLE IF NOT EXISTS stopped_containers (
            id INTEGER PRIMARY KEY,
            docker TEXT NOT NULL,
            app TEXT NOT NULL,
            container TEXT NOT NULL,
            pid INTEGER NOT NULL,
            process_start INTEGER NOT NULL,
            boot_id TEXT NOT NULL,
            stopped_ms INTEGER NOT NULL
        );
        """,
    ];

    private readonly string _connectionString;

    public string FilePath { get; }

    /// <param name="stateDirectory">The state directory; default <see cref="StateDirectory.Default"/>.</param>
    public StateDatabase(string? stateDirectory = null)
    {
        var directory = stateDirectory ?? StateDirectory.Default();
        FilePath = Path.Combine(directory, FileName);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
            Pooling = false,
        }.ToString();
    }

    /// <summary>An open connection with the schema up to date. A file that is not a database is an error naming it.</summary>
    public SqliteConnection Open()
    {
        var directory = Path.GetDirectoryName(FilePath)!;
        if (!Directory.Exists(directory))
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
            Migrate(connection);
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StackException($"the state database {FilePath} cannot be used ({e.Message}); move it aside (the next run starts a new one)");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Migrate(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        long version = Scalar(connection, transaction, "PRAGMA user_version");
        if (version > Migrations.Length)
            throw new StackException($"the state database {FilePath} was written by a newer Lifeboat (schema {version}, this one knows {Migrations.Length}); upgrade Lifeboat");
        for (long step = version; step < Migrations.Length; step++)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Migrations[step] + $"\nPRAGMA user_version = {step + 1};";
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static long Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
