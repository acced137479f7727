using System.Globalization;
using System.Text;
using Lifeboat.Stack.Configuration;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>
/// dumps: of kind postgres against a real PostgreSQL server: the dump in the snapshot is pg_dump's custom format, holds
/// every kind of object, is consistent while rows are written, and a failing dump fails its app only.
/// </summary>
public sealed class PostgresDumpBackupTests() : DatabaseDumpTests<PostgresServer>(PostgresServer.UnavailableReason(), () => new PostgresServer())
{
    private DumpConfig OverSocket(params string[] databases) => new()
    {
        Kind = DumpKind.Postgres, Name = "postgres", Databases = databases,
        Host = Server.SocketDirectory, Port = Server.Port, User = PostgresServer.SuperUser,
    };

    /// <summary>A database with a table written to by <see cref="StartWriter"/>, an index, a view, a sequence, non-ASCII text and a large object.</summary>
    private void CreateAppDatabase(string name)
    {
        Server.Sql($"CREATE DATABASE {name}");
        Server.Script("""
            CREATE TABLE events (id integer PRIMARY KEY, payload text NOT NULL);
            CREATE TABLE counter (total integer NOT NULL);
            INSERT INTO counter VALUES (0);
            CREATE INDEX events_payload ON events (payload);
            CREATE TABLE people (name text, photo oid);
            INSERT INTO people VALUES ('Zoë Ærøskøbing — 東京 🚀', lo_from_bytea(0, '\xdeadbeef00ff'::bytea));
            CREATE VIEW recent AS SELECT id, payload FROM events ORDER BY id DESC LIMIT 10;
            CREATE SEQUENCE tickets START 100;
            SELECT nextval('tickets'), nextval('tickets');
            """, name);
    }

    /// <summary>One row per transaction, and the counter raised in the same one: a consistent copy has count = total, ids 1..count.</summary>
    private StatementWriter StartWriter(string database) => new(PostgresServer.Binary("psql"),
        ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", Server.SocketDirectory, "-p", Port, "-U", PostgresServer.SuperUser, "-d", database],
        n => $"BEGIN; INSERT INTO events VALUES ({n}, md5('{n}')); UPDATE counter SET total = total + 1; COMMIT;");

    private string Port => Server.Port.ToString(CultureInfo.InvariantCulture);

    private static async Task WaitForRowsAsync(Func<int> count, int rows)
    {
        while (count() < rows) await Task.Delay(20, Ct);
    }

    [Fact]
    public async Task ThePgDumpInTheSnapshotHoldsEveryObjectAndAConsistentPrefixOfTheRowsWrittenMeanwhile()
    {
        CreateAppDatabase("immich");
        await using var repo = await Stack.InitRepositoryAsync();
        var app = Stack.App("immich", OverSocket("immich"));

        int before, after;
        IReadOnlyList<Scenarios.AppBackupResult> results;
        await using (var writer = StartWriter("immich"))
        {
            int Count() => int.Parse(Server.Sql("SELECT count(*) FROM events", "immich").Trim(), CultureInfo.InvariantCulture);
            await WaitForRowsAsync(Count, 200);
            before = Count();
            results = await Stack.BackupAsync(repo, null, app);
            after = Count();
            await writer.StopAsync();
        }
        var result = Assert.Single(results);
        Assert.False(result.Failed, result.Error);
        var snapshot = await repo.LoadSnapshotAsync(result.SnapshotId!.Value, Ct);
        Assert.Equal([app.Paths[0], "/lifeboat-dumps/postgres/immich.pgdump"], snapshot.Paths);

        // what restic itself reads back is pg_dump's custom format, complete: pg_restore lists every object
        var dump = Stack.ResticDump(result.SnapshotId.Value, "/lifeboat-dumps/postgres/immich.pgdump");
        Assert.Equal("PGDMP", Encoding.ASCII.GetString(dump, 0, 5));
        var file = Temp.Combine("immich.pgdump");
        await File.WriteAllBytesAsync(file, dump, Ct);
        var list = ProcessRunner.Run(PostgresServer.Binary("pg_restore"), ["--list", file]);
        Assert.True(list.Succeeded, list.Stderr);
        foreach (var entry in new[] { "TABLE public events", "INDEX public events_payload", "VIEW public recent", "SEQUENCE public tickets", "BLOB ", "TABLE DATA public events" })
            Assert.Contains(entry, list.Stdout);

        // loaded into a new database: a prefix of the writer's rows, never a torn transaction
        Server.Sql("CREATE DATABASE restored");
        var load = ProcessRunner.Run(PostgresServer.Binary("pg_restore"), ["-h", Server.SocketDirectory, "-p", Port, "-U", PostgresServer.SuperUser, "-d", "restored", "--exit-on-error", file]);
        Assert.True(load.Succeeded, load.Stderr);
        var rows = Server.Sql("SELECT count(*), coalesce(max(id), 0), (SELECT total FROM counter), count(*) FILTER (WHERE payload = md5(id::text)) FROM events", "restored")
            .Trim().Split('|').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(rows[0], rows[1]); // ids 1..count, no gap
        Assert.Equal(rows[0], rows[2]); // the counter of the same transactions
        Assert.Equal(rows[0], rows[3]); // every row whole
        Assert.InRange(rows[0], before, after);
        Assert.True(before < after, "the writer wrote while the backup ran");
        Assert.Equal("Zoë Ærøskøbing — 東京 🚀|deadbeef00ff", Server.Sql("SELECT name, encode(lo_get(photo), 'hex') FROM people", "restored").Trim());
        Assert.Equal("102", Server.Sql("SELECT nextval('tickets')", "restored").Trim());
    }

    [Fact]
    public async Task AllDatabasesIsOnePgDumpallFile()
    {
        CreateAppDatabase("nextcloud");
        await using var repo = await Stack.InitRepositoryAsync();
        var result = Assert.Single(await Stack.BackupAsync(repo, null, Stack.App("cloud", OverSocket() with { Name = "cluster" })));
        Assert.False(result.Failed, result.Error);

        var dump = Encoding.UTF8.GetString(Stack.ResticDump(result.SnapshotId!.Value, "/lifeboat-dumps/cluster/all.sql"));
        Assert.Contains("PostgreSQL database cluster dump", dump);
        Assert.Contains("CREATE DATABASE nextcloud", dump);
        Assert.Contains("Zoë Ærøskøbing — 東京 🚀", dump);
        Assert.Contains("PostgreSQL database cluster dump complete", dump);
    }

    [Fact]
    public async Task AWrongPasswordFailsThatAppOnlyWithPgDumpsErrorAndWritesNoSnapshotOfIt()
    {
        CreateAppDatabase("immich");
        await using var repo = await Stack.InitRepositoryAsync();
        var wrong = "not-the-password-" + Guid.NewGuid().ToString("N")[..6];
        var immich = Stack.App("immich", new DumpConfig
        {
            Kind = DumpKind.Postgres, Name = "postgres", Databases = ["immich"], Host = "127.0.0.1", Port = Server.Port,
            User = PostgresServer.SuperUser, PasswordFile = Stack.PasswordFile(wrong),
        });
        var sonarr = Stack.App("sonarr");
        var results = await Stack.BackupAsync(repo, null, immich, sonarr);

        Assert.True(results[0].Failed);
        Assert.StartsWith("postgres dump \"postgres\" failed: pg_dump: error: connection to server at \"127.0.0.1\"", results[0].Error);
        Assert.Contains("password authentication failed for user \"postgres\"", results[0].Error);
        Assert.DoesNotContain(wrong, results[0].Error);
        Assert.Empty(await Stack.SnapshotsOfAsync(repo, "immich"));
        Assert.False(results[1].Failed, results[1].Error);
        Assert.Single(await Stack.SnapshotsOfAsync(repo, "sonarr"));

        // the right password, from the file: the dump runs over TCP
        var right = immich with { Dumps = [immich.Dumps[0] with { PasswordFile = Stack.PasswordFile(Server.Password) }] };
        var retry = Assert.Single(await Stack.BackupAsync(repo, null, right));
        Assert.False(retry.Failed, retry.Error);
    }

    [Fact]
    public async Task AStoppedServerFailsThatAppOnly()
    {
        CreateAppDatabase("immich");
        await using var repo = await Stack.InitRepositoryAsync();
        Server.Stop();
        var results = await Stack.BackupAsync(repo, null, Stack.App("immich", OverSocket("immich")), Stack.App("sonarr"));

        Assert.True(results[0].Failed);
        Assert.StartsWith("postgres dump \"postgres\" failed: pg_dump: error: connection to server on socket", results[0].Error);
        Assert.Empty(await Stack.SnapshotsOfAsync(repo, "immich"));
        Assert.Single(await Stack.SnapshotsOfAsync(repo, "sonarr"));
    }
}
