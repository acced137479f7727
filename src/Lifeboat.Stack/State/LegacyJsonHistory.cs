using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.State;

/// <summary>
/// The one-time move of a history that earlier versions kept as a JSON array (STATE/repositories/ID/NAME.json) into
/// the state database: every record is inserted in one transaction with INSERT OR IGNORE against the table's unique
/// key, then the file is renamed to NAME.json.imported. A crash after the commit and before the rename imports the
/// same records again on the next open, which the unique key turns into nothing; a crash before the commit leaves
/// the file as it was.
/// </summary>
public static class LegacyJsonHistory
{
    public const string ImportedSuffix = ".imported";

    /// <summary>Imports <paramref name="filePath"/> if it is there; a damaged file is an error naming it, and stays.</summary>
    /// <param name="insert">Inserts one record (with INSERT OR IGNORE) in the given transaction.</param>
    /// <param name="description">What the file is, for errors: "the restore-test history".</param>
    public static void ImportOnce<T>(SqliteConnection connection, string filePath, JsonTypeInfo<List<T>> contract, string description,
        Action<SqliteTransaction, T> insert)
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(filePath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return; // nothing to import, or another process has just imported it
        }
        List<T> records;
        try
        {
            records = JsonSerializer.Deserialize(json, contract) ?? [];
        }
        catch (JsonException)
        {
            throw new StackException($"{description} {filePath} is damaged and cannot be moved into the state database; move it aside (its records are then forgotten)");
        }
        using (var transaction = connection.BeginTransaction(deferred: false))
        {
            foreach (var record in records) insert(transaction, record);
            transaction.Commit();
        }
        try
        {
            File.Move(filePath, filePath + ImportedSuffix, overwrite: true);
        }
        catch (FileNotFoundException)
        {
            // another process imported and renamed it meanwhile: the unique key kept its records single
        }
    }
}
