using System.Globalization;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Dumps;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>
/// Restore and verify of PostgreSQL dumps against a real server: a database with tables, a foreign key, an index, a
/// view, a sequence, non-ASCII text and a large object, dumped into a snapshot by the stack backup, then dropped or
/// changed, and loaded back by the in-place restore: compared schema by schema
/// (pg_dump --schema-only) and row by row with the original.
/// </summary>
public sealed class PostgresDumpRestoreTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();
    private readonly PostgresServer _pg;

    public PostgresDumpRestoreTests()
    {
        if (PostgresServer.UnavailableReason() is { } why) Assert.Skip(why);
        _pg = new PostgresServer();
        _pg.Sql("CREATE DATABASE photos");
        _pg.Script("""
            CREATE SEQUENCE invoice_no START 1000;
            CREATE TABLE albums (id serial PRIMARY KEY, title text NOT NULL, created timestamptz NOT NULL DEFAULT '2026-01-01 00:00:00+00');
            CREATE TABLE photos (id bigserial PRIMARY KEY, album_id int NOT NULL REFERENCES albums(id), caption text, data bytea,
                taken date, invoice int DEFAULT nextval('invoice_no'));
            CREATE INDEX photos_caption ON photos (lower(caption));
            CREATE VIEW captioned AS SELECT a.title, p.caption FROM photos p JOIN albums a ON a.id = p.album_id WHERE p.caption IS NOT NULL;
            INSERT INTO albums (title) VALUES ('Ferien in Zürich — ßüñ 日本語 🚀'), ('Família ção');
            INSERT INTO photos (album_id, caption, data, taken)
                SELECT 1 + g % 2, 'photo ' || g || ' é', decode(md5(g::text), 'hex'), date '2026-01-01' + g FROM generate_series(1, 3000) g;
            SELECT lo_from_bytea(0, decode(repeat('00ff7f80', 60000), 'hex'));
            """, "photos");
        Directory.CreateDirectory(_temp.Combine("srv/photos"));
        File.WriteAllText(_temp.Combine("srv/photos/config.yml"), "v: 1");
    }

    private DumpConfig Entry(string? scratch = null) => new()
    {
        Kind = DumpKind.Postgres, Name = "postgres", Databases = ["photos"], Host = _pg.SocketDirectory, Port = _pg.Port,
        User = PostgresServer.SuperUser, ScratchDatabase = scratch,
    };

    private AppConfig App(DumpConfig entry) => new() { Name = "photos", Paths = [_temp.Combine("srv/photos")], Consistency = ConsistencyMode.None, Dumps = [entry] };

    private Task<DumpSnapshot> BackUpAsync(AppConfig app) => DumpSnapshot.BackedUpAsync(_temp, app, Ct);

    /// <summary>The database's schema as pg_dump writes it (without the random \restrict key of each run).</summary>
    private string Schema(string database)
    {
        var r = ProcessRunner.Run(PostgresServer.Binary("pg_dump"), ["--schema-only", "-h", _pg.SocketDirectory, "-p", _pg.Port.ToString(CultureInfo.InvariantCulture), "-U", PostgresServer.SuperUser, database]);
        Assert.True(r.Succeeded, r.Stderr);
        return string.Join('\n', r.Stdout.Split('\n').Where(l => !l.StartsWith("\\restrict", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict", StringComparison.Ordinal)));
    }

    /// <summary>Every row, in order, and the large objects and the sequences' positions.</summary>
    private string Rows(string database) => string.Join("\n--\n",
        _pg.Sql("SELECT * FROM albums ORDER BY id", database),
        _pg.Sql("SELECT id, album_id, caption, encode(data, 'hex'), taken, invoice FROM photos ORDER BY id", database),
        _pg.Sql("SELECT * FROM captioned ORDER BY 1, 2", database),
        _pg.Sql("SELECT oid, md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY oid", database),
        _pg.Sql("SELECT last_value, is_called FROM invoice_no", database),
        _pg.Sql("SELECT last_value, is_called FROM photos_id_seq", database));

    private StackRestore Restore(DumpSnapshot s) => new(s.Repository, s.Config, () => new FakeContainerControl());

    private static async Task<AppRestoreResult> RestoreAsync(StackRestore restore, DumpSnapshot s, DumpRestoreChoice choice)
    {
        var dumps = await SnapshotDumps.FindAsync(s.Repository, s.App, s.Snapshot, Ct);
        return await restore.RestoreInPlaceAsync(s.App, s.Snapshot, [], false, DumpPlan.Make(s.App, s.Snapshot, dumps, choice), Ct);
    }

    [Fact]
    public async Task ReplaceDatabasesBringsBackADroppedDatabaseExactlyWithTheFiles()
    {
        var schema = Schema("photos");
        var rows = Rows("photos");
        Assert.Contains("日本語", rows);
        await using var s = await BackUpAsync(App(Entry()));
        _pg.Sql("DROP DATABASE photos");
        File.WriteAllText(_temp.Combine("srv/photos/config.yml"), "v: 2");

        var result = await RestoreAsync(Restore(s), s, DumpRestoreChoice.From(true, false, false, []));
        var load = Assert.Single(result.Dumps);
        Assert.True(load.Outcome == DumpLoadOutcome.Loaded, load.Message);
        Assert.Equal("v: 1", File.ReadAllText(_temp.Combine("srv/photos/config.yml")));
        Assert.Equal(schema, Schema("photos"));
        Assert.Equal(rows, Rows("photos"));
    }

    [Fact]
    public async Task RestoringOverAChangedDatabaseEndsWithExactlyTheDumpedContent()
    {
        var schema = Schema("photos");
        var rows = Rows("photos");
        await using var s = await BackUpAsync(App(Entry()));
        _pg.Script("""
            CREATE TABLE added_since (id int PRIMARY KEY);
            DROP VIEW captioned;
            UPDATE albums SET title = 'renamed';
            DELETE FROM photos WHERE id % 3 = 0;
            SELECT nextval('invoice_no');
            SELECT lo_from_bytea(0, '\x0102');
            """, "photos");

        var result = await RestoreAsync(Restore(s), s, DumpRestoreChoice.From(true, true, false, []));
        Assert.False(result.FilesRestored);
        Assert.True(Assert.Single(result.Dumps).Outcome == DumpLoadOutcome.Loaded, result.Dumps[0].Message);
        Assert.Equal(schema, Schema("photos"));
        Assert.Equal(rows, Rows("photos"));
    }

    [Fact]
    public async Task TargetDatabaseLoadsTheDumpUnderAnotherNameAndLeavesTheOriginalAlone()
    {
        var rows = Rows("photos");
        await using var s = await BackUpAsync(App(Entry()));
        _pg.Sql("UPDATE albums SET title = 'changed after the backup'", "photos");
        var changed = Rows("photos");

        var result = await RestoreAsync(Restore(s), s, DumpRestoreChoice.From(true, true, false, ["photos=photos_restored"]));
        Assert.True(Assert.Single(result.Dumps).Outcome == DumpLoadOutcome.Loaded, result.Dumps[0].Message);
        Assert.Equal(rows, Rows("photos_restored"));
        Assert.Equal(Schema("photos").Replace("photos_restored", "photos"), Schema("photos_restored"));
        Assert.Equal(changed, Rows("photos"));
    }

    [Fact]
    public async Task ALoadWithTheServerDownFailsWithOneLineNamingTheDumpTheDatabaseAndTheToolsError()
    {
        await using var s = await BackUpAsync(App(Entry()));
        _pg.Stop();
        var result = await RestoreAsync(Restore(s), s, DumpRestoreChoice.From(true, false, false, []));
        Assert.True(result.FilesRestored);
        var load = Assert.Single(result.Dumps);
        Assert.Equal(DumpLoadOutcome.Failed, load.Outcome);
        Assert.DoesNotContain('\n', load.Message!);
        Assert.StartsWith("dump postgres/photos.pgdump could not be loaded into database photos: ", load.Message);
        Assert.Matches("connect|connection|socket", load.Message);
    }

    [Fact]
    public async Task AnAllDatabasesDumpBringsBackADroppedDatabaseAndVerifyChecksItsEnd()
    {
        var schema = Schema("photos");
        var rows = Rows("photos");
        var all = new DumpConfig { Kind = DumpKind.Postgres, Name = "cluster", Host = _pg.SocketDirectory, Port = _pg.Port, User = PostgresServer.SuperUser };
        await using var s = await BackUpAsync(App(all));
        var record = Assert.Single(await new RestoreTest(s.Repository, s.Config) { StagingParent = _temp.Path }.RunAsync([s.App], Ct));
        Assert.True(record.Passed, string.Join("\n", record.Problems));
        Assert.Equal(("/lifeboat-dumps/cluster/all.sql", "text", true), (Assert.Single(record.Dumps!).Path, record.Dumps![0].Check, record.Dumps[0].Passed));

        _pg.Sql("DROP DATABASE photos");
        var result = await RestoreAsync(Restore(s), s, DumpRestoreChoice.From(true, true, false, []));
        Assert.True(Assert.Single(result.Dumps).Outcome == DumpLoadOutcome.Loaded, result.Dumps[0].Message);
        Assert.Equal(schema, Schema("photos"));
        Assert.Equal(rows, Rows("photos"));
    }

    [Fact]
    public async Task VerifyReadsTheDumpWholeAndLoadsItIntoTheScratchDatabase()
    {
        await using var s = await BackUpAsync(App(Entry(scratch: "lifeboat_verify")));
        _pg.Sql("CREATE DATABASE lifeboat_verify");
        _pg.Sql("CREATE TABLE left_from_before (id int)", "lifeboat_verify");
        var record = Assert.Single(await new RestoreTest(s.Repository, s.Config) { StagingParent = _temp.Path }.RunAsync([s.App], Ct));
        Assert.True(record.Passed, string.Join("\n", record.Problems));
        var dump = Assert.Single(record.Dumps!);
        Assert.Equal(("/lifeboat-dumps/postgres/photos.pgdump", "pg_restore", true), (dump.Path, dump.Check, dump.Passed));
        Assert.Equal(2, dump.ScratchTables); // albums and photos, and not the table the scratch database had
        Assert.Equal(Rows("photos"), Rows("lifeboat_verify"));
    }

    [Fact]
    public async Task VerifyFailsOnADumpCutShortAndNamesIt()
    {
        var whole = ProcessRunner.Run(PostgresServer.Binary("pg_dump"), ["--format=custom", "-h", _pg.SocketDirectory, "-p", _pg.Port.ToString(CultureInfo.InvariantCulture), "-U", PostgresServer.SuperUser, "photos"]).StdoutBytes;
        Assert.True(whole.Length > 100_000);
        await using var s = await DumpSnapshot.CreateAsync(_temp, App(Entry()), [DumpSnapshot.Bytes("/lifeboat-dumps/postgres/photos.pgdump", whole[..(whole.Length * 2 / 3)])], Ct);
        var log = new RestoreTestLog(s.Repository.Config.Id, _temp.Combine("state"));
        var record = Assert.Single(await new RestoreTest(s.Repository, s.Config) { StagingParent = _temp.Path, Log = log }.RunAsync([s.App], Ct));
        Assert.False(record.Passed);
        var problem = Assert.Single(record.Problems);
        Assert.StartsWith("/lifeboat-dumps/postgres/photos.pgdump: dump check: pg_restore cannot read it whole: ", problem);
        Assert.False(Assert.Single(record.Dumps!).Passed);

        // the doctor's restore-test item reads the history: it fails, naming the dump
        var item = new AppChecks(s.Config, s.Repository.Config.Id, [s.Snapshot], _temp.Combine("state"), DateTimeOffset.Now).RestoreTest(s.App);
        Assert.Equal(DoctorStatus.Fail, item.Status);
        Assert.Contains("failed: /lifeboat-dumps/postgres/photos.pgdump: dump check: pg_restore cannot read it whole", item.Reason);
    }

    public void Dispose()
    {
        _pg?.Dispose();
        _temp.Dispose();
    }
}
