namespace Lifeboat.Stack.Consistency;

/// <summary>
/// A -wal, -shm or -journal file that an in-place restore removed from beside a restored SQLite database: it belonged
/// to the database the restore replaced, and SQLite would have applied it to the restored one.
/// </summary>
/// <param name="Path">Where it was.</param>
public sealed record StaleSqliteFile(string Path)
{
    /// <summary>The suffixes SQLite gives a database's companion files.</summary>
    public static readonly string[] Suffixes = ["-wal", "-shm", "-journal"];

    /// <summary>The database it belonged to: the path without its suffix.</summary>
    public string Database => Path[..Path.LastIndexOf('-')];

    /// <summary>
    /// "/x/library.db-wal: the write-ahead log of the database this restore replaced, which SQLite would have replayed
    /// into the restored library.db".
    /// </summary>
    public string Explanation
    {
        get
        {
            var database = System.IO.Path.GetFileName(Database);
            var what = Path[(Path.LastIndexOf('-') + 1)..] switch
            {
                "wal" => $"the write-ahead log of the {database} this restore replaced, which SQLite would have replayed into the restored one",
                "shm" => $"the shared-memory index of the {database} this restore replaced, which belongs to that database's write-ahead log",
                _ => $"the rollback journal of the {database} this restore replaced, which SQLite would have rolled back into the restored one",
            };
            return $"{Path}: {what}";
        }
    }
}
