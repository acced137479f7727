namespace Lifeboat.Stack.Configuration;

/// <summary>What a dump: entry of lifeboat.yaml dumps, and so which tools write and load it.</summary>
public enum DumpKind
{
    /// <summary>PostgreSQL: pg_dump --format=custom per database (loaded with pg_restore), or pg_dumpall for all (loaded with psql).</summary>
    Postgres,
    /// <summary>MariaDB or MySQL (kind: mariadb or mysql): mariadb-dump --single-transaction --routines --events --triggers (loaded with mariadb).</summary>
    MariaDb,
    /// <summary>Any program whose standard output is the dump (command:), loaded back by restore-command: through its standard input.</summary>
    Command,
}
