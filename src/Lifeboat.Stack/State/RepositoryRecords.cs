using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.State;

/// <summary>
/// One table of per-repository records in the state database (backup runs, restore tests), keyed by the repository's
/// ID: opens the database, moves the repository's JSON history of earlier versions into it on first use, and keeps the
/// table to a generous number of records per repository, the oldest going first.
/// </summary>
public sealed class RepositoryRecords
{
    private readonly string _table;
    private readonly Action<SqliteConnection, string> _importLegacy;
    private volatile bool _legacyImported;

    /// <param name="legacyFileName">The JSON history earlier versions kept in STATE/repositories/ID/.</param>
    /// <param name="importLegacy">Imports that file (its path given) into the table, with <see cref="LegacyJsonHistory"/>.</param>
    public RepositoryRecords(StateDatabase database, string repositoryId, string table, string legacyFileName, Action<SqliteConnection, string> importLegacy)
    {
        Database = database;
        RepositoryId = repositoryId;
        _table = table;
        _importLegacy = importLegacy;
        // validates the ID too: it names a directory
        LegacyFilePath = StateDirectory.RepositoryFile(repositoryId, legacyFileName, Path.GetDirectoryName(database.FilePath));
    }

    public StateDatabase Database { get; }

    public string RepositoryId { get; }

    public string LegacyFilePath { get; }

    /// <summary>An open connection, the legacy history imported. Errors are <see cref="StackException"/>s naming the file.</summary>
    public SqliteConnection Open()
    {
        var connection = Database.Open();
        if (_legacyImported) return connection;
        try
        {
            _importLegacy(connection, LegacyFilePath);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StackException($"the state database {Database.FilePath} cannot be used ({e.Message}); move it aside (the next run starts a new one)");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        _legacyImported = true;
        return connection;
    }

    /// <summary>A command on the connection with $repository bound to this repository's ID.</summary>
    public SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$repository", RepositoryId);
        return command;
    }

    /// <summary>Deletes this repository's oldest records beyond the newest <paramref name="keep"/>.</summary>
    public void KeepNewest(SqliteConnection connection, SqliteTransaction transaction, int keep)
    {
        using var command = Command(connection, $"""
            DELETE FROM {_table} WHERE id IN (
                SELECT id FROM {_table} WHERE repository = $repository ORDER BY time_ms DESC, id DESC LIMIT -1 OFFSET $keep)
            """, transaction);
        command.Parameters.AddWithValue("$keep", keep);
        command.ExecuteNonQuery();
    }

    /// <summary>Milliseconds since the epoch, as the tables keep times.</summary>
    public static long ToMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    /// <summary>A time of the tables, in this machine's zone (as the records were written).</summary>
    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToLocalTime();
}
