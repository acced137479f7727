using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Dumps;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>
/// Restore and verify of MariaDB dumps against a real server: a database with tables, a foreign key, an index, a view,
/// an AUTO_INCREMENT, non-ASCII text and a BLOB, dumped into a snapshot by the stack backup, then dropped
/// or changed and loaded back: compared by SHOW CREATE TABLE / VIEW and ordered SELECTs.
/// </summary>
public sealed class MariaDbDumpRestoreTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();
    private readonly MariaDbServer _db;

    public MariaDbDumpRestoreTests()
    {
        if (MariaDbServer.UnavailableReason() is { } why) Assert.Skip(why);
        _db = new MariaDbServer();
        Sql("""
            CREATE DATABASE nextcloud CHARACTER SET utf8mb4;
            USE nextcloud;
            CREATE TABLE users (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL, KEY users_name (name)) ENGINE=InnoDB;
            CREATE TABLE files (id bigint AUTO_INCREMENT PRIMARY KEY, owner int NOT NULL, path text, content longblob,
                CONSTRAINT files_owner FOREIGN KEY (owner) REFERENCES users (id)) ENGINE=InnoDB;
            CREATE VIEW owned AS SELECT u.name, f.path FROM files f JOIN users u ON u.id = f.owner;
            INSERT INTO users (name) VALUES ('Zoë Straße — 日本語 🚀'), ('João');
            INSERT INTO files (owner, path, content) SELECT 1 + seq % 2, CONCAT('/dokumente/ä', seq), UNHEX(SHA2(seq, 256)) FROM seq_1_to_3000;
            INSERT INTO files (owner, path, content) VALUES (1, '/big.bin', REPEAT(UNHEX('00FF7F80'), 60000));
            """);
        Directory.CreateDirectory(_temp.Combine("srv/nextcloud"));
        File.WriteAllText(_temp.Combine("srv/nextcloud/config.php"), "<?php v1");
    }

    /// <summary>SQL as root over the socket, in utf8mb4 (the client's default would mangle 4-byte characters).</summary>
    private string Sql(string sql, string? database = null) => _db.Sql("SET NAMES utf8mb4;\n" + sql, database);

    private DumpConfig Entry(string? scratch = null) => new()
    {
        Kind = DumpKind.MariaDb, Name = "mariadb", Databases = ["nextcloud"], Host = _db.SocketPath, User = "root", ScratchDatabase = scratch,
    };

    private AppConfig App(DumpConfig entry) => new() { Name = "nextcloud", Paths = [_temp.Combine("srv/nextcloud")], Consistency = ConsistencyMode.None, Dumps = [entry] };

    private Task<DumpSnapshot> BackUpAsync(AppConfig app) => DumpSnapshot.BackedUpAsync(_temp, app, Ct);

    private string Schema(string database) => string.Join("\n--\n",
        Sql("SHOW CREATE TABLE users", database), Sql("SHOW CREATE TABLE files", database),
        Sql("SHOW FULL TABLES", database),
        Sql("SHOW CREATE VIEW owned", database).Replace($"`{database}`.", "", StringComparison.Ordinal));

    private string Rows(string database) => string.Join("\n--\n",
        Sql("SELECT * FROM users ORDER BY id", database),
        Sql("SELECT id, owner, path, HEX(content) FROM files ORDER BY id", database),
        Sql("SELECT * FROM owned ORDER BY 1, 2", database),
        Sql("SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME", database));

    private static async Task<AppRestoreResult> RestoreAsync(DumpSnapshot s, DumpRestoreChoice choice)
    {
        var dumps = await SnapshotDumps.FindAsync(s.Repository, s.App, s.Snapshot, Ct);
        return await new StackRestore(s.Repository, s.Config, () => new FakeContainerControl())
            .RestoreInPlaceAsync(s.App, s.Snapshot, [], false, DumpPlan.Make(s.App, s.Snapshot, dumps, choice), Ct);
    }

    [Fact]
    public async Task ReplaceDatabasesBringsBackADroppedDatabaseExactly()
    {
        var schema = Schema("nextcloud");
        var rows = Rows("nextcloud");
        Assert.Contains("日本語", rows);
        await using var s = await BackUpAsync(App(Entry()));
        Sql("DROP DATABASE nextcloud");
        File.WriteAllText(_temp.Combine("srv/nextcloud/config.php"), "<?php v2");

        var result = await RestoreAsync(s, DumpRestoreChoice.From(true, false, false, []));
        Assert.True(Assert.Single(result.Dumps).Outcome == DumpLoadOutcome.Loaded, result.Dumps[0].Message);
        Assert.Equal("<?php v1", File.ReadAllText(_temp.Combine("srv/nextcloud/config.php")));
        Assert.Equal(schema, Schema("nextcloud"));
        Assert.Equal(rows, Rows("nextcloud"));
    }

    [Fact]
    public async Task RestoringOverAChangedDatabaseAndIntoAnotherName()
    {
        var schema = Schema("nextcloud");
        var rows = Rows("nextcloud");
        await using var s = await BackUpAsync(App(Entry()));
        Sql("UPDATE users SET name = 'changed'; DELETE FROM files WHERE id % 3 = 0; DROP VIEW owned;", "nextcloud");

        var copy = await RestoreAsync(s, DumpRestoreChoice.From(true, true, false, ["nextcloud_copy"]));
        Assert.True(Assert.Single(copy.Dumps).Outcome == DumpLoadOutcome.Loaded, copy.Dumps[0].Message);
        Assert.Equal(rows, Rows("nextcloud_copy"));
        Assert.Equal(schema, Schema("nextcloud_copy"));
        Assert.Equal("changed\nchanged\n", Sql("SELECT name FROM users ORDER BY id", "nextcloud")); // the original is left alone

        var over = await RestoreAsync(s, DumpRestoreChoice.From(true, true, false, []));
        Assert.True(Assert.Single(over.Dumps).Outcome == DumpLoadOutcome.Loaded, over.Dumps[0].Message);
        Assert.Equal(schema, Schema("nextcloud"));
        Assert.Equal(rows, Rows("nextcloud"));
    }

    [Fact]
    public async Task ALoadWithTheServerDownFailsWithOneClearLine()
    {
        await using var s = await BackUpAsync(App(Entry()));
        _db.Stop();
        var load = Assert.Single((await RestoreAsync(s, DumpRestoreChoice.From(true, true, false, []))).Dumps);
        Assert.Equal(DumpLoadOutcome.Failed, load.Outcome);
        Assert.DoesNotContain('\n', load.Message!);
        Assert.StartsWith("dump mariadb/nextcloud.sql could not be loaded into database nextcloud: ", load.Message);
        Assert.Contains("Can't connect", load.Message);
    }

    [Fact]
    public async Task VerifyChecksTheDumpsEndsAndLoadsItIntoTheScratchDatabase()
    {
        await using var s = await BackUpAsync(App(Entry(scratch: "lifeboat_verify")));
        var record = Assert.Single(await new RestoreTest(s.Repository, s.Config) { StagingParent = _temp.Path }.RunAsync([s.App], Ct));
        Assert.True(record.Passed, string.Join("\n", record.Problems));
        var dump = Assert.Single(record.Dumps!);
        Assert.Equal(("text", true, 2L), (dump.Check, dump.Passed, dump.ScratchTables));
        Assert.Equal(Rows("nextcloud"), Rows("lifeboat_verify"));
    }

    public void Dispose()
    {
        _db?.Dispose();
        _temp.Dispose();
    }
}
