using System.Globalization;
using System.Text;
using Lifeboat.Stack.Configuration;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>
/// dumps: of kind mariadb against a real MariaDB server: mariadb-dump's file in the snapshot, whole and consistent
/// while rows are written (--single-transaction), BLOBs intact; a failing dump fails its app only.
/// </summary>
public sealed class MariaDbDumpBackupTests() : DatabaseDumpTests<MariaDbServer>(MariaDbServer.UnavailableReason(), () => new MariaDbServer())
{
    private DumpConfig OverSocket(params string[] databases) => new()
    {
        Kind = DumpKind.MariaDb, Name = "mariadb", Databases = databases, Host = Server.SocketPath,
    };

    private void CreateAppDatabase(string name) => Server.Sql($"""
        SET NAMES utf8mb4;
        CREATE DATABASE {name} CHARACTER SET utf8mb4;
        USE {name};
        CREATE TABLE events (id INT PRIMARY KEY, payload CHAR(32) NOT NULL) ENGINE=InnoDB;
        CREATE TABLE counter (total INT NOT NULL) ENGINE=InnoDB;
        INSERT INTO counter VALUES (0);
        CREATE INDEX events_payload ON events (payload);
        CREATE TABLE people (name VARCHAR(100), photo LONGBLOB) ENGINE=InnoDB;
        INSERT INTO people VALUES ('Zoë Ærøskøbing — 東京 🚀', UNHEX('DEADBEEF00FF0A0D27'));
        CREATE VIEW recent AS SELECT id, payload FROM events ORDER BY id DESC LIMIT 10;
        CREATE SEQUENCE tickets START WITH 100;
        """);

    private StatementWriter StartWriter(string database) => new("mariadb",
        ["--no-defaults", $"--socket={Server.SocketPath}", "-u", "root", database],
        n => $"BEGIN; INSERT INTO events VALUES ({n}, MD5('{n}')); UPDATE counter SET total = total + 1; COMMIT;");

    private int Count(string database) => int.Parse(Server.Sql("SELECT count(*) FROM events", database).Trim(), CultureInfo.InvariantCulture);

    [Fact]
    public async Task TheMariaDbDumpInTheSnapshotIsWholeAndAConsistentPrefixOfTheRowsWrittenMeanwhile()
    {
        CreateAppDatabase("nextcloud");
        await using var repo = await Stack.InitRepositoryAsync();
        var app = Stack.App("nextcloud", OverSocket("nextcloud"));

        int before, after;
        IReadOnlyList<Scenarios.AppBackupResult> results;
        await using (var writer = StartWriter("nextcloud"))
        {
            while (Count("nextcloud") < 200) await Task.Delay(20, Ct);
            before = Count("nextcloud");
            results = await Stack.BackupAsync(repo, null, app);
            after = Count("nextcloud");
            await writer.StopAsync();
        }
        var result = Assert.Single(results);
        Assert.False(result.Failed, result.Error);

        var dump = Stack.ResticDump(result.SnapshotId!.Value, "/lifeboat-dumps/mariadb/nextcloud.sql");
        var text = Encoding.UTF8.GetString(dump);
        // (MariaDB 10.11.8 and later put a sandbox-mode line first)
        Assert.Matches(@"^(/\*M!999999\\- enable the sandbox mode \*/ \n)?-- (MariaDB|MySQL) dump", text);
        Assert.Matches("-- Dump completed on [0-9-]+ +[0-9:]+\n$", text);
        Assert.DoesNotContain("CREATE DATABASE", text); // no --databases: it loads into any database
        Assert.Contains("0xDEADBEEF00FF0A0D27", text); // --hex-blob

        // loaded into another database: a prefix of the writer's rows, never a torn transaction
        Server.Sql("CREATE DATABASE restored CHARACTER SET utf8mb4");
        var load = ProcessRunner.Run("mariadb", ["--no-defaults", $"--socket={Server.SocketPath}", "-u", "root", "restored"], stdin: text);
        Assert.True(load.Succeeded, load.Stderr);
        var rows = Server.Sql("SELECT count(*), coalesce(max(id), 0), (SELECT total FROM counter), sum(payload = MD5(id)) FROM events", "restored")
            .Trim().Split('\t').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(rows[0], rows[1]);
        Assert.Equal(rows[0], rows[2]);
        Assert.Equal(rows[0], rows[3]);
        Assert.InRange(rows[0], before, after);
        Assert.True(before < after, "the writer wrote while the backup ran");
        Assert.Equal("Zoë Ærøskøbing — 東京 🚀\tDEADBEEF00FF0A0D27", Server.Sql("SET NAMES utf8mb4; SELECT name, HEX(photo) FROM people", "restored").Trim());
        Assert.Equal("id\tpayload", Server.Sql("SHOW COLUMNS FROM recent", "restored").Split('\n').Select(l => l.Split('\t')[0]).Where(l => l.Length > 0).Aggregate((a, b) => a + "\t" + b));
        Assert.Contains("events_payload", Server.Sql("SHOW INDEX FROM events", "restored"));
        Assert.Equal("100", Server.Sql("SELECT NEXTVAL(tickets)", "restored").Trim());
    }

    [Fact]
    public async Task AllDatabasesIsOneFileOfEveryDatabase()
    {
        CreateAppDatabase("photoprism");
        await using var repo = await Stack.InitRepositoryAsync();
        var result = Assert.Single(await Stack.BackupAsync(repo, null, Stack.App("photos", OverSocket())));
        Assert.False(result.Failed, result.Error);

        var text = Encoding.UTF8.GetString(Stack.ResticDump(result.SnapshotId!.Value, "/lifeboat-dumps/mariadb/all.sql"));
        Assert.Contains("CREATE DATABASE /*!32312 IF NOT EXISTS*/ `photoprism`", text);
        Assert.Contains("-- Dump completed on", text);
    }

    [Fact]
    public async Task AWrongPasswordFailsThatAppOnlyWithTheToolsError()
    {
        CreateAppDatabase("nextcloud");
        await using var repo = await Stack.InitRepositoryAsync();
        var wrong = "wrong-" + Guid.NewGuid().ToString("N")[..8];
        var nextcloud = Stack.App("nextcloud", OverSocket("nextcloud") with
        {
            Host = "127.0.0.1", Port = Server.Port, User = MariaDbServer.User, PasswordFile = Stack.PasswordFile(wrong),
        });
        var results = await Stack.BackupAsync(repo, null, nextcloud, Stack.App("sonarr"));

        Assert.True(results[0].Failed);
        Assert.True(results[0].Error!.StartsWith("mariadb dump \"mariadb\" failed: mariadb-dump: Got error: 1045: \"Access denied for user 'lifeboat'@'127.0.0.1'", StringComparison.Ordinal), results[0].Error);
        Assert.DoesNotContain(wrong, results[0].Error);
        Assert.Empty(await Stack.SnapshotsOfAsync(repo, "nextcloud"));
        Assert.Single(await Stack.SnapshotsOfAsync(repo, "sonarr"));

        var right = nextcloud with { Dumps = [nextcloud.Dumps[0] with { PasswordFile = Stack.PasswordFile(Server.Password) }] };
        var retry = Assert.Single(await Stack.BackupAsync(repo, null, right));
        Assert.False(retry.Failed, retry.Error);
    }
}
