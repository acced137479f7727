using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>The test servers the dump tests stand on: they start, answer, refuse a wrong password, and stop by PID.</summary>
public sealed class DatabaseServerTests
{
    [Fact]
    public void Postgres_serves_over_its_socket_and_tcp_and_stops_by_pid()
    {
        if (PostgresServer.UnavailableReason() is { } reason) Assert.Skip(reason);
        int pid;
        using (var server = new PostgresServer())
        {
            pid = server.ProcessId;
            server.Sql("CREATE DATABASE shop");
            server.Script("CREATE TABLE item (id serial PRIMARY KEY, name text); INSERT INTO item (name) VALUES ('Käse'), ('Brot');", "shop");
            Assert.Equal("Brot\nKäse\n", server.Sql("SELECT name FROM item ORDER BY name", "shop"));

            var psql = PostgresServer.Binary("psql");
            var good = ProcessRunner.Run(psql, ["-X", "-A", "-t", "-d", "shop", "-c", "SELECT count(*) FROM item"], server.TcpEnvironment());
            Assert.True(good.Succeeded, good.Stderr);
            Assert.Equal("2", good.Stdout.Trim());
            var env = server.TcpEnvironment();
            env["PGPASSWORD"] = "wrong";
            var bad = ProcessRunner.Run(psql, ["-X", "-d", "shop", "-c", "SELECT 1"], env);
            Assert.False(bad.Succeeded);
            Assert.Contains("password authentication failed", bad.Stderr);
        }
        Assert.False(ProcessExists(pid));
    }

    [Fact]
    public void Mariadb_serves_over_its_socket_and_tcp_and_stops_by_pid()
    {
        if (MariaDbServer.UnavailableReason() is { } reason) Assert.Skip(reason);
        int pid;
        using (var server = new MariaDbServer())
        {
            pid = server.ProcessId;
            server.Sql("CREATE DATABASE shop; USE shop; CREATE TABLE item (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT); INSERT INTO item (name) VALUES ('Käse'), ('Brot');");
            Assert.Equal("Brot\nKäse\n", server.Sql("SELECT name FROM item ORDER BY name", "shop"));

            var tcp = new[] { "--no-defaults", "-h", "127.0.0.1", "-P", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", MariaDbServer.User, "-N", "-B", "-e", "SELECT count(*) FROM shop.item" };
            var good = ProcessRunner.Run("mariadb", tcp, new Dictionary<string, string?> { ["MYSQL_PWD"] = server.Password });
            Assert.True(good.Succeeded, good.Stderr);
            Assert.Equal("2", good.Stdout.Trim());
            var bad = ProcessRunner.Run("mariadb", tcp, new Dictionary<string, string?> { ["MYSQL_PWD"] = "wrong" });
            Assert.False(bad.Succeeded);
            Assert.Contains("Access denied", bad.Stderr);
        }
        Assert.False(ProcessExists(pid));
    }

    private static bool ProcessExists(int pid) => pid > 0 && Directory.Exists($"/proc/{pid}");
}
