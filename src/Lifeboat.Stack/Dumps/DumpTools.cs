using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Hooks;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// The command lines of the dump tools, built and never run here: pg_dump / pg_dumpall (written), pg_restore / psql
/// (loaded, listed), mariadb-dump / mariadb (with mysqldump / mysql where those are what is installed), and a command
/// dump's own programs. A password goes only into the environment (PGPASSWORD, MYSQL_PWD), never into argv.
/// <para>
/// MariaDB's tools were renamed (mysqldump is mariadb-dump since 10.5; MariaDB 11's images drop the old names, MySQL's
/// have only those): on the host the first name on PATH is used; inside a container, whose PATH Lifeboat cannot read,
/// the tool runs through <c>sh -c</c>, which takes the first of the two names the container has.
/// </para>
/// </summary>
public static class DumpTools
{
    private const string PostgresPassword = "PGPASSWORD";
    private const string MariaDbPassword = "MYSQL_PWD";

    /// <summary>The options that make mariadb-dump's output a consistent, complete, loadable file (hex: BLOBs survive any client charset).</summary>
    private static readonly string[] MariaDbDumpOptions = ["--single-transaction", "--routines", "--events", "--triggers", "--hex-blob"];

    /// <summary>
    /// The program that writes the file of <paramref name="database"/> (null: every database, in one file) to its
    /// standard output. <paramref name="containerEnvironment"/> is the container's own environment (its credentials are
    /// used when no password file is given); <paramref name="password"/> is the password file's content.
    /// <paramref name="hostHasProgram"/> tells whether a program is on the host's PATH (default: looks there).
    /// </summary>
    public static DumpInvocation Dump(DumpConfig dump, string? database, IReadOnlyDictionary<string, string>? containerEnvironment, string? password,
        Func<string, bool>? hostHasProgram = null)
    {
        var (user, secret) = Credentials(dump, containerEnvironment, password);
        return dump.Kind switch
        {
            DumpKind.Postgres => database is null
                ? Postgres(dump, "pg_dumpall", ["--no-password", .. PostgresConnection(dump, user)], secret)
                : Postgres(dump, "pg_dump", ["--format=custom", "--no-password", .. PostgresConnection(dump, user), database], secret),
            DumpKind.MariaDb => MariaDb(dump, "mariadb-dump", "mysqldump",
                [.. MariaDbDumpOptions, .. MariaDbConnection(dump, user), .. database is null ? ["--all-databases"] : new[] { database }], secret, hostHasProgram),
            _ => new DumpInvocation { Argv = dump.Command ?? throw new ArgumentException($"{dump.Display} has no command", nameof(dump)), Container = dump.Container },
        };
    }

    /// <summary>
    /// The programs that load a dump file back, in order; the last one reads the file on its standard input (the ones
    /// before it create <paramref name="targetDatabase"/> when it is missing, and carry their own <see cref="DumpInvocation.Input"/>).
    /// <paramref name="sourceDatabase"/> is the database the file holds (null: all.sql, loaded as it was dumped);
    /// <paramref name="targetDatabase"/> the one to load it into (null: the same). Empty for a command dump without restore-command.
    /// </summary>
    public static IReadOnlyList<DumpInvocation> Load(DumpConfig dump, string? sourceDatabase, string? targetDatabase,
        IReadOnlyDictionary<string, string>? containerEnvironment, string? password, Func<string, bool>? hostHasProgram = null)
    {
        var (user, secret) = Credentials(dump, containerEnvironment, password);
        var target = targetDatabase ?? sourceDatabase;
        switch (dump.Kind)
        {
            case DumpKind.Postgres when target is null:
                // pg_dumpall's script connects to each database itself; errors such as "role postgres already exists" are expected
                return [Postgres(dump, "psql", ["--no-password", "--quiet", .. PostgresConnection(dump, user), "--dbname=postgres"], secret)];
            case DumpKind.Postgres:
                return
                [
                    Postgres(dump, "psql", ["--no-password", "--quiet", "--set=ON_ERROR_STOP=1", $"--set=db={target}", .. PostgresConnection(dump, user), "--dbname=postgres"], secret)
                        with { Input = "SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\\gexec\n" },
                    Postgres(dump, "pg_restore", ["--no-password", "--clean", "--if-exists", "--exit-on-error", .. PostgresConnection(dump, user), $"--dbname={target}"], secret),
                ];
            case DumpKind.MariaDb when target is null:
                return [MariaDb(dump, "mariadb", "mysql", [.. MariaDbConnection(dump, user)], secret, hostHasProgram)];
            case DumpKind.MariaDb:
                return
                [
                    MariaDb(dump, "mariadb", "mysql", [.. MariaDbConnection(dump, user), $"--execute=CREATE DATABASE IF NOT EXISTS `{target.Replace("`", "``")}`"], secret, hostHasProgram),
                    MariaDb(dump, "mariadb", "mysql", [.. MariaDbConnection(dump, user), $"--database={target}"], secret, hostHasProgram),
                ];
            default:
                return dump.RestoreCommand is { } restore ? [new DumpInvocation { Argv = restore, Container = dump.Container }] : [];
        }
    }

    /// <summary>
    /// The program that checks a dump file read on its standard input by the tool's own listing (pg_restore --list of a
    /// .pgdump), in the entry's container or on the host; null when the check is textual (SQL files, a command's output).
    /// </summary>
    public static DumpInvocation? List(DumpConfig dump, string? database) =>
        dump.Kind == DumpKind.Postgres && database is not null
            ? new DumpInvocation { Argv = ["pg_restore", "--list"], Container = dump.Container }
            : null;

    /// <summary>
    /// The user and password: the configured user and password file first; else, in a container, the credentials its
    /// image was started with (the official postgres and mariadb/mysql images' variables).
    /// </summary>
    internal static (string? User, string? Password) Credentials(DumpConfig dump, IReadOnlyDictionary<string, string>? environment, string? password)
    {
        if (environment is null || dump.Container is null) return (dump.User, password);
        string? Env(params string[] names) => names.Select(n => environment.GetValueOrDefault(n)).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        switch (dump.Kind)
        {
            case DumpKind.Postgres:
            {
                var imageUser = Env("POSTGRES_USER") ?? "postgres";
                var user = dump.User ?? imageUser;
                return (user, password ?? (user == imageUser ? Env("POSTGRES_PASSWORD") : null));
            }
            case DumpKind.MariaDb:
            {
                var root = Env("MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD");
                var appUser = Env("MARIADB_USER", "MYSQL_USER");
                var appPassword = Env("MARIADB_PASSWORD", "MYSQL_PASSWORD");
                // no root password in the environment: root still logs in through the socket (unix_socket), as docker exec runs as root
                var user = dump.User ?? (root is null && appUser is not null ? appUser : "root");
                return (user, password ?? (user == "root" ? root : user == appUser ? appPassword : null));
            }
            default:
                return (dump.User, password);
        }
    }

    private static DumpInvocation Postgres(DumpConfig dump, string program, IReadOnlyList<string> arguments, string? password) => new()
    {
        Argv = [program, .. arguments],
        Environment = password is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [PostgresPassword] = password },
        Container = dump.Container,
    };

    private static IEnumerable<string> PostgresConnection(DumpConfig dump, string? user)
    {
        if (dump.Host is { } host) yield return $"--host={host}";
        if (dump.Port is { } port) yield return $"--port={port}";
        if (user is not null) yield return $"--username={user}";
    }

    /// <summary>
    /// <paramref name="program"/>, or <paramref name="fallback"/> when only that one is installed: on the host the one on
    /// PATH; in a container through sh -c, which runs the first of them the container has ("$@" keeps every argument a word of its own).
    /// </summary>
    private static DumpInvocation MariaDb(DumpConfig dump, string program, string fallback, IReadOnlyList<string> arguments, string? password,
        Func<string, bool>? hostHasProgram)
    {
        IReadOnlyList<string> argv;
        if (dump.Container is not null)
            argv = ["sh", "-c", $"if command -v {program} >/dev/null 2>&1; then exec {program} \"$@\"; else exec {fallback} \"$@\"; fi", program, .. arguments];
        else
        {
            var onPath = hostHasProgram ?? HostHasProgram;
            argv = [!onPath(program) && onPath(fallback) ? fallback : program, .. arguments];
        }
        return new DumpInvocation
        {
            Argv = argv,
            Environment = password is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [MariaDbPassword] = password },
            Container = dump.Container,
        };
    }

    private static IEnumerable<string> MariaDbConnection(DumpConfig dump, string? user)
    {
        // a path is the server's socket file; anything else a host name or address (with a port: TCP, as the tools want it)
        if (dump.Host is { } host) yield return host.StartsWith('/') ? $"--socket={host}" : $"--host={host}";
        if (dump.Port is { } port) yield return $"--port={port}";
        if (user is not null) yield return $"--user={user}";
    }

    /// <summary>Whether <paramref name="program"/> is an executable on this process's PATH, as the dump would find it.</summary>
    public static bool HostHasProgram(string program) =>
        HookRunner.FindProgram(program, "/", Environment.GetEnvironmentVariable("PATH")) is { } found && File.Exists(found);
}
