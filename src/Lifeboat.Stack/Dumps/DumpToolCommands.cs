using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// <see cref="IDumpCommands"/> with the real tools, as <see cref="DumpTools"/> writes their command lines: with the
/// entry's server, user and password (its password file, else its container's environment; a password only in the
/// child's environment).
/// </summary>
/// <remarks>
/// A PostgreSQL database dump is not loaded over the target (pg_restore --clean drops only the objects the dump has,
/// and fails on what depends on them): it is loaded into a new database made beside it, owned by the target's owner,
/// with pg_restore --single-transaction; only once that succeeded is the target dropped (its sessions ended) and the new
/// one renamed to it. So the target ends with exactly the dumped content, and a failed load leaves it as it was.
/// </remarks>
public sealed class DumpToolCommands : IDumpCommands
{
    private readonly Func<IDumpProcesses> _processes;
    private readonly Dictionary<DumpConfig, DumpCredentials> _credentials = new(ReferenceEqualityComparer.Instance);

    /// <param name="processes">For the containers' environments (called only for an entry with a container).</param>
    public DumpToolCommands(Func<IDumpProcesses> processes)
    {
        _processes = processes;
    }

    /// <summary>Host processes, and the Docker daemon at $DOCKER_HOST.</summary>
    public static IDumpProcesses DefaultProcesses() => new DumpProcesses();

    public async Task<DumpLoadSteps> LoadAsync(DumpLoad load, CancellationToken cancellationToken)
    {
        var entry = load.File.Entry;
        var credentials = await CredentialsAsync(entry, cancellationToken).ConfigureAwait(false);
        if (load.File.Format != DumpFileFormat.PostgresCustom)
        {
            // all.sql, a MariaDB dump (created when missing, then loaded), a restore-command: as DumpTools says
            var steps = DumpTools.Load(entry, load.File.Database, load.TargetDatabase, credentials.ContainerEnvironment, credentials.Password);
            if (steps.Count == 0) throw new StackException($"{entry.Display} has no restore-command");
            return new DumpLoadSteps { Before = steps.Take(steps.Count - 1).ToList(), Load = steps[^1] };
        }
        var target = load.Database!;
        var staging = $"lifeboat_load_{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}";
        // [psql on the postgres database, with :'db' set to the staging name; pg_restore into it]
        var (psql, pgRestore) = PostgresLoad(entry, load.File.Database, staging, credentials);
        return new DumpLoadSteps
        {
            Before = [psql with { Input = $"""
                SELECT coalesce((SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database WHERE datname = {Literal(target)}), current_user) AS owner \gset
                CREATE DATABASE {Identifier(staging)} OWNER :"owner";

                """ }],
            Load = pgRestore with { Argv = [.. pgRestore.Argv.Where(a => a is not ("--clean" or "--if-exists")), "--single-transaction"] },
            After = [psql with { Input = $"""
                DROP DATABASE IF EXISTS {Identifier(target)} WITH (FORCE);
                ALTER DATABASE {Identifier(staging)} RENAME TO {Identifier(target)};

                """ }],
            Cleanup = [psql with { Input = $"DROP DATABASE IF EXISTS {Identifier(staging)} WITH (FORCE);\n" }],
        };
    }

    public async Task<IReadOnlyList<DumpInvocation>> RecreateAsync(DumpConfig entry, string database, CancellationToken cancellationToken)
    {
        var credentials = await CredentialsAsync(entry, cancellationToken).ConfigureAwait(false);
        if (entry.Kind == DumpKind.Postgres)
        {
            var (psql, _) = PostgresLoad(entry, database, database, credentials);
            return [psql with { Input = $"DROP DATABASE IF EXISTS {Identifier(database)} WITH (FORCE);\nCREATE DATABASE {Identifier(database)};\n" }];
        }
        var create = MariaDbCreate(entry, database, credentials);
        return [create with { Argv = [.. create.Argv.SkipLast(1), $"--execute=DROP DATABASE IF EXISTS {MariaDbIdentifier(database)}; CREATE DATABASE {MariaDbIdentifier(database)}"] }];
    }

    public async Task<DumpInvocation> CountTablesAsync(DumpConfig entry, string database, CancellationToken cancellationToken)
    {
        var credentials = await CredentialsAsync(entry, cancellationToken).ConfigureAwait(false);
        if (entry.Kind == DumpKind.Postgres)
        {
            var (psql, _) = PostgresLoad(entry, database, database, credentials);
            return psql with
            {
                Argv = [.. psql.Argv.Select(a => a == "--dbname=postgres" ? $"--dbname={database}" : a), "--tuples-only", "--no-align"],
                Input = "SELECT count(*) FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema');\n",
            };
        }
        var create = MariaDbCreate(entry, database, credentials);
        return create with
        {
            Argv = [.. create.Argv.SkipLast(1), "--batch", "--skip-column-names",
                $"--execute=SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA = {MariaDbLiteral(database)}"],
        };
    }

    /// <summary>
    /// pg_restore --file=/dev/null reads every block of the archive and fails on one cut short or damaged (--list reads
    /// only the table of contents at its start). The host's pg_restore when there is one, else the container's.
    /// </summary>
    public Task<DumpInvocation> ArchiveCheckAsync(DumpConfig entry, CancellationToken cancellationToken) =>
        Task.FromResult(new DumpInvocation
        {
            Argv = ["pg_restore", "--file=/dev/null"],
            Container = entry.Container is null || DumpTools.HostHasProgram("pg_restore") ? null : entry.Container,
        });

    /// <summary>DumpTools' psql (on the postgres database, ON_ERROR_STOP, :'db' set) and pg_restore for a load into <paramref name="target"/>.</summary>
    private static (DumpInvocation Psql, DumpInvocation PgRestore) PostgresLoad(DumpConfig entry, string? source, string target, DumpCredentials credentials)
    {
        var steps = DumpTools.Load(entry, source ?? target, target, credentials.ContainerEnvironment, credentials.Password);
        return (steps[0] with { Input = null }, steps[1]);
    }

    /// <summary>DumpTools' mariadb client that creates <paramref name="database"/> when missing (its last argument the --execute).</summary>
    private static DumpInvocation MariaDbCreate(DumpConfig entry, string database, DumpCredentials credentials) =>
        DumpTools.Load(entry, database, database, credentials.ContainerEnvironment, credentials.Password)[0];

    /// <summary>The entry's password file and its container's environment, looked up once per entry.</summary>
    private async Task<DumpCredentials> CredentialsAsync(DumpConfig entry, CancellationToken cancellationToken)
    {
        if (_credentials.TryGetValue(entry, out var known)) return known;
        var credentials = await DumpCredentials.FromPasswordFileAsync(entry, cancellationToken).ConfigureAwait(false);
        if (entry.Container is { } container && entry.Kind != DumpKind.Command)
            credentials = credentials with { ContainerEnvironment = await _processes().ContainerEnvironmentAsync(container, cancellationToken).ConfigureAwait(false) };
        return _credentials[entry] = credentials;
    }

    internal static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    internal static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    internal static string MariaDbIdentifier(string name) => "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";

    internal static string MariaDbLiteral(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
}
