namespace Lifeboat.Stack.Dumps;

/// <summary>What a file under /lifeboat-dumps/NAME/ of a snapshot is, by its entry's kind and its name (DumpLayout).</summary>
public enum DumpFileFormat
{
    /// <summary>DATABASE.pgdump: pg_dump --format=custom of one database, loaded with pg_restore.</summary>
    PostgresCustom,
    /// <summary>all.sql of a postgres entry: pg_dumpall, a psql script that recreates every database.</summary>
    PostgresAll,
    /// <summary>DATABASE.sql: mariadb-dump of one database without --databases, so it loads into any database name.</summary>
    MariaDbDatabase,
    /// <summary>all.sql of a mariadb entry: mariadb-dump --all-databases, which names its databases itself.</summary>
    MariaDbAll,
    /// <summary>A command: entry's output, loaded back by its restore-command.</summary>
    Command,
}
