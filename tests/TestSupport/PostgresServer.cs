namespace Lifeboat.TestSupport;

/// <summary>
/// A real PostgreSQL server for tests (Debian's postgresql-15): a cluster made by initdb in a temporary directory,
/// run as an unprivileged user on a Unix socket in that directory and on 127.0.0.1:<see cref="Port"/>, stopped by its
/// PID on <see cref="Dispose"/>. Local (socket) connections are trusted; TCP connections need
/// <see cref="Password"/> (scram-sha-256), so a wrong password is a real authentication failure. Durability is
/// traded for speed (fsync off): it is a test server.
/// </summary>
public sealed class PostgresServer : DatabaseServerProcess
{
    /// <summary>The superuser initdb makes.</summary>
    public const string SuperUser = "postgres";

    private readonly string _data;

    public PostgresServer() : base("lifeboat-pg")
    {
        Password = "pg-" + Guid.NewGuid().ToString("N")[..12];
        SecretScan.Register(Password); // no output of lifeboat may show it
        SocketDirectory = OwnedDirectory("socket");
        _data = Home.Combine("data");
        var passwordFile = WriteOwnedFile("superuser-password", Password + "\n");
        RunAsServerUser(Binary("initdb"), ["-D", _data, "-U", SuperUser, "--pwfile", passwordFile, "--auth-local=trust",
            "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"], TimeSpan.FromMinutes(2));
        File.Delete(passwordFile);
        Start();
    }

    /// <summary>The directory of the Unix socket (what libpq's host= and -h take).</summary>
    public string SocketDirectory { get; }

    /// <summary>The superuser's password, for TCP connections.</summary>
    public string Password { get; }

    /// <summary>Where Debian puts the server's programs (initdb, postgres, pg_ctl are not on PATH).</summary>
    public static string BinDirectory => "/usr/lib/postgresql/15/bin";

    public static string Binary(string name) => Path.Combine(BinDirectory, name);

    /// <summary>Why the PostgreSQL tests cannot run here, or null.</summary>
    public static string? UnavailableReason() =>
        File.Exists(Binary("postgres")) && File.Exists(Binary("pg_dump"))
            ? null : "PostgreSQL 15 is not installed (Debian packages postgresql-15, postgresql-client-15)";

    /// <summary>Starts the server (again, after <see cref="DatabaseServerProcess.Stop"/> or <see cref="DatabaseServerProcess.Kill"/>) on the same port and data.</summary>
    public void Start() => StartServer(Binary("postgres"),
        ["-D", _data, "-k", SocketDirectory, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
         "-c", "shared_buffers=32MB", "-c", "max_connections=30"],
        () => File.Exists(Path.Combine(SocketDirectory, $".s.PGSQL.{Port}")) && PortAccepts() && Ready());

    private bool Ready() => ProcessRunner.Run(Binary("pg_isready"), ["-q", "-h", SocketDirectory, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]).Succeeded;

    /// <summary>
    /// Runs SQL with psql over the socket as the superuser and returns its rows, unaligned ('|' between columns, one
    /// line per row, no headers); an error throws with psql's message.
    /// </summary>
    public string Sql(string sql, string database = "postgres")
    {
        var result = ProcessRunner.Run(Binary("psql"), ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", SocketDirectory,
            "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", SuperUser, "-d", database, "-c", sql],
            timeout: TimeSpan.FromMinutes(5));
        if (!result.Succeeded) throw new InvalidOperationException($"psql failed ({result.ExitCode}): {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>Runs a script of several statements (psql -f -) in one session.</summary>
    public string Script(string sql, string database = "postgres")
    {
        var result = ProcessRunner.Run(Binary("psql"), ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", SocketDirectory,
            "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", SuperUser, "-d", database, "-f", "-"],
            stdin: sql, timeout: TimeSpan.FromMinutes(10));
        if (!result.Succeeded) throw new InvalidOperationException($"psql failed ({result.ExitCode}): {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>libpq's environment for a client on the host reaching this server over TCP with the password (PGHOST, PGPORT, PGUSER, PGPASSWORD).</summary>
    public Dictionary<string, string?> TcpEnvironment() => new()
    {
        ["PGHOST"] = "127.0.0.1",
        ["PGPORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["PGUSER"] = SuperUser,
        ["PGPASSWORD"] = Password,
    };
}
