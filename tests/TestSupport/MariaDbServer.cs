using System.Globalization;

namespace Lifeboat.TestSupport;

/// <summary>
/// A real MariaDB server for tests (Debian's mariadb-server): a data directory made by mariadb-install-db in a
/// temporary directory, run as an unprivileged user on a Unix socket there and on 127.0.0.1:<see cref="Port"/>,
/// stopped by its PID on <see cref="Dispose"/>. root connects over the socket (the test process is root: unix_socket
/// authentication); <see cref="User"/> with <see cref="Password"/> holds every privilege and connects from anywhere,
/// so a wrong password is a real authentication failure. Durability is traded for speed: it is a test server.
/// </summary>
public sealed class MariaDbServer : DatabaseServerProcess
{
    /// <summary>A user with every privilege and a password (mysql_native_password), made at start.</summary>
    public const string User = "lifeboat";

    private readonly string _data;

    public MariaDbServer() : base("lifeboat-mariadb")
    {
        Password = "my-" + Guid.NewGuid().ToString("N")[..12];
        SecretScan.Register(Password); // no output of lifeboat may show it
        _data = OwnedDirectory("data");
        SocketPath = Home.Combine("mariadb.sock");
        RunAsServerUser("mariadb-install-db", ["--no-defaults", $"--datadir={_data}", "--auth-root-authentication-method=socket",
            "--skip-test-db", "--skip-name-resolve", "--user=" + ServerUser], TimeSpan.FromMinutes(3));
        Start();
        var password = Password.Replace("'", "''", StringComparison.Ordinal);
        Sql($"CREATE USER '{User}'@'localhost' IDENTIFIED BY '{password}'; GRANT ALL ON *.* TO '{User}'@'localhost' WITH GRANT OPTION; " +
            $"CREATE USER '{User}'@'127.0.0.1' IDENTIFIED BY '{password}'; GRANT ALL ON *.* TO '{User}'@'127.0.0.1' WITH GRANT OPTION;");
    }

    /// <summary>The server's Unix socket file.</summary>
    public string SocketPath { get; }

    /// <summary><see cref="User"/>'s password.</summary>
    public string Password { get; }

    /// <summary>Why the MariaDB tests cannot run here, or null.</summary>
    public static string? UnavailableReason() =>
        File.Exists("/usr/sbin/mariadbd") && File.Exists("/usr/bin/mariadb-dump") && File.Exists("/usr/bin/mariadb")
            ? null : "MariaDB is not installed (Debian packages mariadb-server, mariadb-client)";

    /// <summary>Starts the server (again, after <see cref="DatabaseServerProcess.Stop"/> or <see cref="DatabaseServerProcess.Kill"/>) on the same port and data.</summary>
    public void Start() => StartServer("/usr/sbin/mariadbd",
        ["--no-defaults", $"--datadir={_data}", $"--socket={SocketPath}", $"--port={Port.ToString(CultureInfo.InvariantCulture)}",
         "--bind-address=127.0.0.1", "--skip-name-resolve", $"--pid-file={Home.Combine("mariadb.pid")}",
         "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=0",
         "--innodb-doublewrite=0", "--skip-log-bin", "--max-connections=30", "--character-set-server=utf8mb4",
         "--collation-server=utf8mb4_unicode_ci"],
        () => File.Exists(SocketPath) && PortAccepts() && Ping());

    private bool Ping() => ProcessRunner.Run("mariadb-admin", ["--no-defaults", $"--socket={SocketPath}", "-u", "root", "ping"]).Succeeded;

    /// <summary>
    /// Runs SQL with the mariadb client over the socket as root and returns its rows (tab between columns, one line
    /// per row, no headers, raw values); an error throws with the client's message.
    /// </summary>
    public string Sql(string sql, string? database = null)
    {
        var arguments = new List<string> { "--no-defaults", $"--socket={SocketPath}", "-u", "root", "--batch", "--skip-column-names", "--raw" };
        if (database is not null) arguments.Add(database);
        var result = ProcessRunner.Run("mariadb", arguments, stdin: sql, timeout: TimeSpan.FromMinutes(10));
        if (!result.Succeeded) throw new InvalidOperationException($"mariadb failed ({result.ExitCode}): {result.Stderr}");
        return result.Stdout;
    }
}
