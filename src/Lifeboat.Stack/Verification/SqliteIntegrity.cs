using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Verification;

/// <summary>PRAGMA integrity_check on a restored copy of a database.</summary>
public static class SqliteIntegrity
{
    /// <summary>Null when SQLite says "ok"; else what it found (its first lines), as one line.</summary>
    public static string? Check(string path)
    {
        // Read-only, and pooling off so the handle is closed at once and the scratch directory can go.
        var text = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        try
        {
            using var connection = new SqliteConnection(text);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check(20)";
            var lines = new List<string>();
            using (var reader = command.ExecuteReader())
                while (reader.Read()) lines.Add(reader.GetString(0));
            if (lines is ["ok"]) return null;
            return $"SQLite integrity_check failed: {string.Join("; ", lines.Take(3).Select(OneLine))}{(lines.Count > 3 ? $" (and {lines.Count - 3} more)" : "")}";
        }
        catch (SqliteException e)
        {
            return $"SQLite integrity_check failed: {OneLine(e.Message)}";
        }
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
