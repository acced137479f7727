namespace Lifeboat.Stack.Configuration;

/// <summary>How an app's files are made consistent while they are read.</summary>
public enum ConsistencyMode
{
    /// <summary>Files are read as they are.</summary>
    None,
    /// <summary>The app's running containers are stopped for the snapshot and started again after it.</summary>
    Stop,
    /// <summary>Containers keep running; every SQLite database is stored as a copy made with SQLite's online backup API.</summary>
    Sqlite,
}
