namespace Lifeboat.Stack.Configuration;

/// <summary>
/// One entry of an app's dumps: in lifeboat.yaml: a database (or a program's output) streamed into the app's snapshot as
/// files under <see cref="DumpLayout.Root"/>, and loaded back on restore. It runs inside <see cref="Container"/> through
/// the Docker Engine API's exec, or on the host when no container is named. It never holds a secret: a password comes
/// from <see cref="PasswordFile"/> (mode 0600) or from the container's own environment (POSTGRES_PASSWORD,
/// MARIADB_ROOT_PASSWORD, ...).
/// </summary>
public sealed record DumpConfig
{
    public required DumpKind Kind { get; init; }

    /// <summary>
    /// Unique within the app; the folder of this entry's files in the snapshot (<see cref="DumpLayout"/>). Defaults to
    /// the kind ("postgres", "mariadb"); a command: entry names itself.
    /// </summary>
    public required string Name { get; init; }

    /// <summary>The container the tools run in (docker exec); null runs them on the host.</summary>
    public string? Container { get; init; }

    /// <summary>The databases, one file each; empty means all of them in one file (pg_dumpall, mariadb-dump --all-databases). Not used by command:.</summary>
    public IReadOnlyList<string> Databases { get; init; } = [];

    /// <summary>True when the entry says databases: all.</summary>
    public bool AllDatabases => Databases.Count == 0;

    /// <summary>The database user; null: the container's (POSTGRES_USER, else postgres; MariaDB: root), or the tool's default on the host.</summary>
    public string? User { get; init; }

    /// <summary>The server: a host name or address, or (PostgreSQL) a Unix socket directory / (MariaDB) a socket file; null: the tool's default.</summary>
    public string? Host { get; init; }

    public int? Port { get; init; }

    /// <summary>An absolute path of a file (mode 0600) holding only the password; null: none, or the container's environment.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>command: the program and its arguments whose standard output is the dump (run without a shell).</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>command: the program that loads the dump back from its standard input on restore; null: it cannot be loaded automatically.</summary>
    public IReadOnlyList<string>? RestoreCommand { get; init; }

    /// <summary>command: the file name of the dump in the snapshot (default NAME.dump).</summary>
    public string? FileName { get; init; }

    /// <summary>A database that verify may drop and load each dump into, to prove it restores; null: verify only reads the dumps.</summary>
    public string? ScratchDatabase { get; init; }

    /// <summary>The entry's line in the file, for later errors.</summary>
    public int Line { get; init; }

    /// <summary>How a message names the entry: "postgres dump \"postgres\" (container immich_db)".</summary>
    public string Display => $"{KindName} dump \"{Name}\"{(Container is null ? "" : $" (container {Container})")}";

    public string KindName => Kind switch { DumpKind.Postgres => "postgres", DumpKind.MariaDb => "mariadb", _ => "command" };
}
