using System.Text;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Dumps;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>Which dumps of a snapshot an in-place restore loads, and where, from the user's flags; every refusal before anything is done.</summary>
public sealed class DumpPlanTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();

    private static readonly DumpConfig Postgres = new() { Kind = DumpKind.Postgres, Name = "postgres", Databases = ["immich", "authentik"] };
    private static readonly DumpConfig Redis = new() { Kind = DumpKind.Command, Name = "redis", Command = ["redis-cli"], FileName = "dump.rdb" };

    private int _repositories;

    private async Task<(AppConfig App, DumpSnapshot Snapshot, SnapshotDumps Dumps)> SnapshotAsync(AppConfig app, params string[] dumpPaths)
    {
        Directory.CreateDirectory(_temp.Combine("srv/immich"));
        File.WriteAllText(_temp.Combine("srv/immich/config.json"), "{}");
        var snapshot = await DumpSnapshot.CreateAsync(_temp, app, dumpPaths.Select(p => DumpSnapshot.Bytes(p, Encoding.UTF8.GetBytes("dump of " + p))).ToList(), Ct, $"repo{_repositories++}");
        return (app, snapshot, await SnapshotDumps.FindAsync(snapshot.Repository, app, snapshot.Snapshot, Ct));
    }

    private AppConfig Immich(params DumpConfig[] dumps) => new() { Name = "immich", Paths = [_temp.Combine("srv/immich")], Consistency = ConsistencyMode.None, Dumps = dumps };

    [Fact]
    public async Task TheSnapshotsDumpFilesAreMatchedToTheirEntriesAndWhatHasNoEntryIsSkippedWithHowToGetIt()
    {
        var (app, snapshot, dumps) = await SnapshotAsync(Immich(Postgres),
            "/lifeboat-dumps/postgres/immich.pgdump", "/lifeboat-dumps/postgres/all.sql", "/lifeboat-dumps/postgres/notes.txt", "/lifeboat-dumps/redis/dump.rdb");
        await using var _ = snapshot;
        Assert.Equal(["/lifeboat-dumps/postgres/all.sql", "/lifeboat-dumps/postgres/immich.pgdump"], dumps.Files.Select(f => f.SnapshotPath).Order(StringComparer.Ordinal));
        var pgdump = dumps.Files.Single(f => f.Format == DumpFileFormat.PostgresCustom);
        Assert.Equal("immich", pgdump.Database);
        Assert.Same(Postgres, pgdump.Entry);
        Assert.Null(dumps.Files.Single(f => f.Format == DumpFileFormat.PostgresAll).Database);
        Assert.Equal(2, dumps.Skipped.Count);
        Assert.Contains(dumps.Skipped, s => s.StartsWith("redis/dump.rdb: apps.immich.dumps has no entry named redis any more: skipped", StringComparison.Ordinal)
            && s.Contains("`lifeboat dump immich /lifeboat-dumps/redis/dump.rdb`"));
        Assert.Contains(dumps.Skipped, s => s.StartsWith("postgres/notes.txt: not a file a postgres dump writes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithDumpsInTheSnapshotAndNoChoiceNothingIsDoneAndOneLineNamesTheDumpsAndTheThreeChoices()
    {
        var (app, snapshot, dumps) = await SnapshotAsync(Immich(Postgres, Redis), "/lifeboat-dumps/postgres/immich.pgdump", "/lifeboat-dumps/redis/dump.rdb");
        await using var _ = snapshot;
        var error = Assert.Throws<StackException>(() => DumpPlan.Make(app, snapshot.Snapshot, dumps, DumpRestoreChoice.From(false, false, false, [])));
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("postgres/immich.pgdump, redis/dump.rdb", error.Message);
        Assert.Contains("nothing was restored", error.Message);
        foreach (var choice in new[] { "--replace-databases (", "--dumps-only --replace-databases", "--no-dumps" }) Assert.Contains(choice, error.Message);

        var filesOnly = DumpPlan.Make(app, snapshot.Snapshot, dumps, DumpRestoreChoice.From(false, false, true, []));
        Assert.True(filesOnly.RestoresFiles);
        Assert.Empty(filesOnly.Loads);
        var dumpsOnly = DumpPlan.Make(app, snapshot.Snapshot, dumps, DumpRestoreChoice.From(true, true, false, []));
        Assert.False(dumpsOnly.RestoresFiles);
        Assert.Equal(2, dumpsOnly.Loads.Count);
        Assert.All(dumpsOnly.Loads, l => Assert.Null(l.TargetDatabase));
        var both = DumpPlan.Make(app, snapshot.Snapshot, dumps, DumpRestoreChoice.From(true, false, false, []));
        Assert.True(both.RestoresFiles);
        Assert.Equal(2, both.Loads.Count);
    }

    [Fact]
    public async Task ASnapshotWithoutDumpsRestoresItsFilesWhateverTheChoiceButDumpsOnlyHasNothingToLoad()
    {
        var (app, snapshot, dumps) = await SnapshotAsync(Immich(Postgres));
        await using var _ = snapshot;
        Assert.False(dumps.Any);
        Assert.True(DumpPlan.Make(app, snapshot.Snapshot, dumps, DumpRestoreChoice.From(false, false, false, [])).RestoresFiles);
        Assert.True(DumpPlan.Make(app, snapshot.Snapshot, dumps, DumpRestoreChoice.From(true, false, false, [])).RestoresFiles);
        var error = Assert.Throws<StackException>(() => DumpPlan.Make(app, snapshot.Snapshot, dumps, DumpRestoreChoice.From(true, true, false, [])));
        Assert.Contains("holds no database dumps: nothing to load", error.Message);
    }

    [Fact]
    public async Task TargetDatabaseRenamesTheOneDumpItNamesAndRefusesWhatItCannotRename()
    {
        var (app, snapshot, dumps) = await SnapshotAsync(Immich(Postgres, Redis),
            "/lifeboat-dumps/postgres/immich.pgdump", "/lifeboat-dumps/postgres/authentik.pgdump", "/lifeboat-dumps/redis/dump.rdb");
        await using var _ = snapshot;
        DumpPlan Plan(params string[] targets) => DumpPlan.Make(app, snapshot.Snapshot, dumps, DumpRestoreChoice.From(true, false, false, targets));

        var plan = Plan("immich=immich_restored");
        Assert.Equal("immich_restored", plan.Loads.Single(l => l.File.Database == "immich").TargetDatabase);
        Assert.Equal("immich_restored", plan.Loads.Single(l => l.File.Database == "immich").Database);
        Assert.Null(plan.Loads.Single(l => l.File.Database == "authentik").TargetDatabase);

        Assert.Contains("has 2 database dumps (postgres/authentik.pgdump, postgres/immich.pgdump)", Assert.Throws<StackException>(() => Plan("copy")).Message);
        Assert.Contains("has no dump of database nextcloud (it has", Assert.Throws<StackException>(() => Plan("nextcloud=x")).Message);
        Assert.Contains("already goes into database a", Assert.Throws<StackException>(() => Plan("immich=a", "immich=b")).Message);
    }

    [Fact]
    public async Task AnAllDatabasesDumpCannotBeLoadedUnderAnotherName()
    {
        var all = new DumpConfig { Kind = DumpKind.MariaDb, Name = "mariadb" };
        var (app, snapshot, dumps) = await SnapshotAsync(Immich(all), "/lifeboat-dumps/mariadb/all.sql");
        await using var _ = snapshot;
        Assert.Equal(DumpFileFormat.MariaDbAll, Assert.Single(dumps.Files).Format);
        foreach (var target in new[] { "copy", "nextcloud=copy" })
        {
            var error = Assert.Throws<StackException>(() => DumpPlan.Make(app, snapshot.Snapshot, dumps, DumpRestoreChoice.From(true, false, false, [target])));
            Assert.Contains("mariadb/all.sql holds all databases under their own names and cannot be loaded into another name", error.Message);
        }
        // a single database's dump of one database alone takes a new name without saying which
        var one = new DumpConfig { Kind = DumpKind.MariaDb, Name = "mariadb", Databases = ["nextcloud"] };
        var (app2, snapshot2, dumps2) = await SnapshotAsync(Immich(one), "/lifeboat-dumps/mariadb/nextcloud.sql");
        await using var __ = snapshot2;
        Assert.Equal("copy", Assert.Single(DumpPlan.Make(app2, snapshot2.Snapshot, dumps2, DumpRestoreChoice.From(true, false, false, ["copy"])).Loads).Database);
    }

    [Theory]
    [InlineData(false, true, false, "--dumps-only loads the dumps over what the databases hold now: confirm it with --replace-databases")]
    [InlineData(true, false, true, "--no-dumps restores the files only: leave out --replace-databases")]
    [InlineData(true, true, true, "--no-dumps restores the files only: leave out --dumps-only")]
    public void ContradictoryOrUnconfirmedFlagsAreRefused(bool replace, bool dumpsOnly, bool noDumps, string message) =>
        Assert.Equal(message, Assert.Throws<StackException>(() => DumpRestoreChoice.From(replace, dumpsOnly, noDumps, [])).Message);

    [Theory]
    [InlineData(false, "x", "--target-database says where a dump is loaded: it needs --replace-databases")]
    [InlineData(true, "=x", "--target-database =x: give OLD=NEW")]
    [InlineData(true, "old=", "--target-database old=: give OLD=NEW")]
    [InlineData(true, "a=b=c", "\"b=c\" is not a database name this restore can use")]
    public void TargetDatabaseValuesAreChecked(bool replace, string value, string message) =>
        Assert.Contains(message, Assert.Throws<StackException>(() => DumpRestoreChoice.From(replace, false, false, [value])).Message);

    public void Dispose() => _temp.Dispose();
}
