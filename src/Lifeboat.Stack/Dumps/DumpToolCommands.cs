using System.Globalization;
using System.Security.Cryptography;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// <see cref="IDumpCommands"/> with the real tools: psql and pg_restore, the mariadb client, a command's
/// restore-command; each with the entry's server, user and password (the password only in the child's environment).
/// </summary>
/// <remarks>
/// A PostgreSQL database dump is loaded into a new database made beside the target (owned by the target's owner), with
/// pg_restore --single-transaction; only when that succeeded is the target dropped (its sessions ended) and the new one
/// renamed to it. So the target ends with exactly the dumped content, nothing of what it held before (pg_restore
/// --clean alone drops only the objects the dump has), and a failed load leaves it as it was.
/// </remarks>
public sealed class DumpToolCommands : IDumpCommands
{
    private readonly Func<DumpConfig, CancellationToken, Task<DumpCredentials>> _credentials;

    /// <param name="credentials">The entry's password and its container's environment; by default the password file only.</param>
    public DumpToolCommands(Func<DumpConfig, CancellationToken, Task<DumpCredentials>>? credentials = null)
    {
        _credentials = credentials ?? DumpCredentials.FromPasswordFileAsync;
    }

    public static IDumpProcesses DefaultProcesses() => new HostStubProcesses();

    public async Task<DumpLoadSteps> LoadAsync(DumpLoad load, CancellationToken cancellationToken)
    {
        var entry = load.File.Entry;
        var credentials = await _credentials(entry, cancellationToken).ConfigureAwait(false);
        switch (load.File.Format)
        {
            case DumpFileFormat.PostgresCustom:
            {
                var target = load.Database!;
                var staging = $"lifeboat_load_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
                return new DumpLoadSteps
                {
                    Before = [Psql(entry, credentials, "postgres", $"""
                        SELECT coalesce((SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database WHERE datname = {Literal(target)}), current_user) AS owner \gset
                        CREATE DATABASE {Identifier(staging)} OWNER :"owner";
                        """)],
                    Load = Postgres(entry, credentials, "pg_restore", ["--no-password", "--exit-on-error", "--single-transaction", "--dbname", staging]),
                    After = [Psql(entry, credentials, "postgres", $"""
                        DROP DATABASE IF EXISTS {Identifier(target)} WITH (FORCE);
                        ALTER DATABASE {Identifier(staging)} RENAME TO {Identifier(target)};
                        """)],
                    Cleanup = [Psql(entry, credentials, "postgres", $"DROP DATABASE IF EXISTS {Identifier(staging)} WITH (FORCE);")],
                };
            }
            case DumpFileFormat.PostgresAll:
                return new DumpLoadSteps { Load = Postgres(entry, credentials, "psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--no-password", "--dbname", "postgres"]) };
            case DumpFileFormat.MariaDbDatabase:
            {
                var target = load.Database!;
                return new DumpLoadSteps
                {
                    Before = [MariaDb(entry, credentials, null, $"CREATE DATABASE IF NOT EXISTS {MariaDbIdentifier(target)};")],
                    Load = MariaDbClient(entry, credentials, target),
                };
            }
            case DumpFileFormat.MariaDbAll:
                return new DumpLoadSteps { Load = MariaDbClient(entry, credentials, null) };
            default:
                return new DumpLoadSteps
                {
                    Load = new DumpInvocation { Argv = entry.RestoreCommand ?? throw new StackException($"{entry.Display} has no restore-command"), Container = entry.Container },
                };
        }
    }

    public async Task<IReadOnlyList<DumpStep>> RecreateAsync(DumpConfig entry, string database, CancellationToken cancellationToken)
    {
        var credentials = await _credentials(entry, cancellationToken).ConfigureAwait(false);
        return entry.Kind == DumpKind.Postgres
            ? [Psql(entry, credentials, "postgres", $"DROP DATABASE IF EXISTS {Identifier(database)} WITH (FORCE);\nCREATE DATABASE {Identifier(database)};")]
            : [MariaDb(entry, credentials, null, $"DROP DATABASE IF EXISTS {MariaDbIdentifier(database)};\nCREATE DATABASE {MariaDbIdentifier(database)};")];
    }

    public async Task<DumpStep> CountTablesAsync(DumpConfig entry, string database, CancellationToken cancellationToken)
    {
        var credentials = await _credentials(entry, cancellationToken).ConfigureAwait(false);
        return entry.Kind == DumpKind.Postgres
            ? Psql(entry, credentials, database, "SELECT count(*) FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema');", rows: true)
            : MariaDb(entry, credentials, null, $"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA = {MariaDbLiteral(database)};", rows: true);
    }

    /// <summary>pg_restore --file=/dev/null reads every block of the archive (--list reads only its table of contents).</summary>
    public async Task<DumpInvocation> ArchiveCheckAsync(DumpConfig entry, CancellationToken cancellationToken)
    {
        var argv = new[] { "pg_restore", "--file=/dev/null" };
        // the host's pg_restore when there is one: no server needed; else the container's (which wrote it)
        if (entry.Container is null || OnPath("pg_restore")) return new DumpInvocation { Argv = argv };
        await Task.CompletedTask.ConfigureAwait(false);
        return new DumpInvocation { Argv = argv, Container = entry.Container };
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, program)));

    private static DumpStep Psql(DumpConfig entry, DumpCredentials credentials, string database, string script, bool rows = false) =>
        new(Postgres(entry, credentials, "psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--no-password", .. rows ? new[] { "-A", "-t" } : [], "--dbname", database, "-f", "-"]), script);

    /// <summary>A PostgreSQL client program with the entry's server and user; the password in PGPASSWORD.</summary>
    private static DumpInvocation Postgres(DumpConfig entry, DumpCredentials credentials, string program, IReadOnlyList<string> arguments)
    {
        var argv = new List<string> { program };
        if (entry.Host is { } host) argv.AddRange(["--host", host]);
        if (entry.Port is { } port) argv.AddRange(["--port", port.ToString(CultureInfo.InvariantCulture)]);
        var user = entry.User ?? (entry.Container is null ? null : credentials.ContainerValue("POSTGRES_USER") ?? "postgres");
        if (user is not null) argv.AddRange(["--username", user]);
        argv.AddRange(arguments);
        var password = credentials.Password ?? (entry.Container is null ? null : credentials.ContainerValue("POSTGRES_PASSWORD"));
        return new DumpInvocation
        {
            Argv = argv, Container = entry.Container,
            Environment = password is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["PGPASSWORD"] = password },
        };
    }

    private static DumpStep MariaDb(DumpConfig entry, DumpCredentials credentials, string? database, string script, bool rows = false) =>
        new(MariaDbClient(entry, credentials, database, rows ? ["--batch", "--skip-column-names"] : []), script);

    /// <summary>The mariadb client with the entry's server and user (root in a container, or the container's MARIADB_USER); the password in MYSQL_PWD.</summary>
    private static DumpInvocation MariaDbClient(DumpConfig entry, DumpCredentials credentials, string? database, IReadOnlyList<string>? options = null)
    {
        var argv = new List<string> { "mariadb" };
        if (entry.Host is { } host) argv.Add(host.StartsWith('/') ? $"--socket={host}" : $"--host={host}");
        if (entry.Port is { } port) argv.Add($"--port={port.ToString(CultureInfo.InvariantCulture)}");
        string? user = entry.User, password = credentials.Password;
        if (entry.Container is not null && password is null)
        {
            var root = credentials.ContainerValue("MARIADB_ROOT_PASSWORD") ?? credentials.ContainerValue("MYSQL_ROOT_PASSWORD");
            if (root is not null && (user is null or "root")) (user, password) = ("root", root);
            else if ((credentials.ContainerValue("MARIADB_USER") ?? credentials.ContainerValue("MYSQL_USER")) is { } appUser && (user is null || user == appUser))
                (user, password) = (appUser, credentials.ContainerValue("MARIADB_PASSWORD") ?? credentials.ContainerValue("MYSQL_PASSWORD"));
        }
        if (user is not null) argv.Add($"--user={user}");
        argv.AddRange(options ?? []);
        if (database is not null) argv.Add(database);
        return new DumpInvocation
        {
            Argv = argv, Container = entry.Container,
            Environment = password is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["MYSQL_PWD"] = password },
        };
    }

    internal static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    internal static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    internal static string MariaDbIdentifier(string name) => "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";

    internal static string MariaDbLiteral(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
}
