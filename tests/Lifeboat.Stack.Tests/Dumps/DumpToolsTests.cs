using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Dumps;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>The dump tools' command lines: the formats that restore, the credentials where they belong (never argv).</summary>
public class DumpToolsTests
{
    private static readonly Func<string, bool> EverythingInstalled = _ => true;

    private static DumpConfig Postgres(string? container = null) => new()
    {
        Kind = DumpKind.Postgres, Name = "postgres", Container = container, Databases = ["immich"],
    };

    private static DumpConfig MariaDb(string? container = null) => new()
    {
        Kind = DumpKind.MariaDb, Name = "mariadb", Container = container, Databases = ["nextcloud"],
    };

    [Fact]
    public void PgDumpWritesTheCustomFormatWithThePasswordOnlyInItsEnvironment()
    {
        var dump = Postgres() with { User = "app", Host = "/run/postgresql", Port = 5433 };
        var invocation = DumpTools.Dump(dump, "immich", null, "s3cret");
        Assert.Equal(["pg_dump", "--format=custom", "--no-password", "--host=/run/postgresql", "--port=5433", "--username=app", "immich"], invocation.Argv);
        Assert.Equal(new Dictionary<string, string> { ["PGPASSWORD"] = "s3cret" }, invocation.Environment);
        Assert.Null(invocation.Container);
        Assert.DoesNotContain("s3cret", invocation.CommandLine);
    }

    [Fact]
    public void AllDatabasesIsPgDumpall()
    {
        var invocation = DumpTools.Dump(Postgres() with { Databases = [] }, null, null, null);
        Assert.Equal(["pg_dumpall", "--no-password"], invocation.Argv);
        Assert.Empty(invocation.Environment);
    }

    [Fact]
    public void InAPostgresContainerItsUserAndPasswordAreUsed()
    {
        var environment = new Dictionary<string, string> { ["POSTGRES_USER"] = "immich", ["POSTGRES_PASSWORD"] = "from-env", ["PATH"] = "/usr/bin" };
        var invocation = DumpTools.Dump(Postgres("immich_postgres"), "immich", environment, null);
        Assert.Equal(["pg_dump", "--format=custom", "--no-password", "--username=immich", "immich"], invocation.Argv);
        Assert.Equal("from-env", invocation.Environment["PGPASSWORD"]);
        Assert.Equal("immich_postgres", invocation.Container);

        // the image's default user is postgres; a password file wins over the environment
        var byFile = DumpTools.Dump(Postgres("db"), "immich", new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = "env" }, "file");
        Assert.Contains("--username=postgres", byFile.Argv);
        Assert.Equal("file", byFile.Environment["PGPASSWORD"]);

        // another configured user does not get the image user's password
        var other = DumpTools.Dump(Postgres("db") with { User = "reader" }, "immich", environment, null);
        Assert.Contains("--username=reader", other.Argv);
        Assert.Empty(other.Environment);
    }

    [Fact]
    public void OnTheHostTheContainersVariablesAreNotUsed()
    {
        var invocation = DumpTools.Dump(Postgres(), "immich", new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = "x" }, null);
        Assert.Equal(["pg_dump", "--format=custom", "--no-password", "immich"], invocation.Argv);
        Assert.Empty(invocation.Environment);
    }

    [Fact]
    public void MariaDbDumpIsConsistentAndCompleteWithoutDatabasesSoItLoadsUnderAnyName()
    {
        var invocation = DumpTools.Dump(MariaDb() with { Host = "127.0.0.1", Port = 3307, User = "backup" }, "nextcloud", null, "pw", EverythingInstalled);
        Assert.Equal(["mariadb-dump", "--single-transaction", "--routines", "--events", "--triggers", "--hex-blob", "--host=127.0.0.1", "--port=3307", "--user=backup", "nextcloud"],
            invocation.Argv);
        Assert.DoesNotContain("--databases", invocation.Argv);
        Assert.Equal(new Dictionary<string, string> { ["MYSQL_PWD"] = "pw" }, invocation.Environment);

        var all = DumpTools.Dump(MariaDb() with { Databases = [], Host = "/run/mysqld/mysqld.sock" }, null, null, null, EverythingInstalled);
        Assert.Equal(["mariadb-dump", "--single-transaction", "--routines", "--events", "--triggers", "--hex-blob", "--socket=/run/mysqld/mysqld.sock", "--all-databases"], all.Argv);
    }

    [Fact]
    public void OnTheHostMysqldumpIsTheFallbackWhenMariaDbDumpIsMissing()
    {
        Assert.Equal("mysqldump", DumpTools.Dump(MariaDb(), "nextcloud", null, null, p => p == "mysqldump").Argv[0]);
        // neither installed: the preferred name, so that the error names it
        Assert.Equal("mariadb-dump", DumpTools.Dump(MariaDb(), "nextcloud", null, null, _ => false).Argv[0]);
        var load = DumpTools.Load(MariaDb(), "nextcloud", null, null, null, p => p == "mysql");
        Assert.All(load, l => Assert.Equal("mysql", l.Argv[0]));
    }

    [Fact]
    public void InAContainerMariaDbDumpRunsThroughShTakingWhicheverNameIsInstalled()
    {
        var environment = new Dictionary<string, string> { ["MARIADB_ROOT_PASSWORD"] = "root-pw", ["MARIADB_USER"] = "nc", ["MARIADB_PASSWORD"] = "nc-pw" };
        var invocation = DumpTools.Dump(MariaDb("nextcloud_db"), "nextcloud", environment, null);
        Assert.Equal("sh", invocation.Argv[0]);
        Assert.Equal("-c", invocation.Argv[1]);
        Assert.Contains("command -v mariadb-dump", invocation.Argv[2]);
        Assert.Contains("exec mysqldump \"$@\"", invocation.Argv[2]);
        Assert.Equal(["mariadb-dump", "--single-transaction", "--routines", "--events", "--triggers", "--hex-blob", "--user=root", "nextcloud"], invocation.Argv.Skip(3));
        Assert.Equal("mariadb-dump", invocation.Program);
        Assert.Equal("root-pw", invocation.Environment["MYSQL_PWD"]);
    }

    [Fact]
    public void WithoutARootPasswordTheImagesUserIsUsedAndMysqlNamesWorkToo()
    {
        var environment = new Dictionary<string, string> { ["MYSQL_USER"] = "app", ["MYSQL_PASSWORD"] = "app-pw" };
        var invocation = DumpTools.Dump(MariaDb("db"), "nextcloud", environment, null);
        Assert.Contains("--user=app", invocation.Argv);
        Assert.Equal("app-pw", invocation.Environment["MYSQL_PWD"]);

        // nothing in the environment: root through the socket, no password
        var bare = DumpTools.Dump(MariaDb("db"), "nextcloud", new Dictionary<string, string>(), null);
        Assert.Contains("--user=root", bare.Argv);
        Assert.Empty(bare.Environment);
    }

    [Fact]
    public void ACommandDumpRunsItsCommandAsWritten()
    {
        var dump = new DumpConfig { Kind = DumpKind.Command, Name = "redis", Container = "redis", Command = ["redis-cli", "--rdb", "/dev/stdout"], RestoreCommand = ["sh", "-c", "cat > /data/dump.rdb"] };
        var invocation = DumpTools.Dump(dump, null, new Dictionary<string, string> { ["X"] = "y" }, null);
        Assert.Equal(["redis-cli", "--rdb", "/dev/stdout"], invocation.Argv);
        Assert.Empty(invocation.Environment);
        Assert.Equal("redis", invocation.Container);
        var load = Assert.Single(DumpTools.Load(dump, null, null, null, null));
        Assert.Equal(["sh", "-c", "cat > /data/dump.rdb"], load.Argv);
        Assert.Empty(DumpTools.Load(dump with { RestoreCommand = null }, null, null, null, null));
        Assert.Null(DumpTools.List(dump, null));
    }

    [Fact]
    public void APostgresLoadCreatesTheTargetDatabaseThenRestoresIntoIt()
    {
        var load = DumpTools.Load(Postgres("db"), "immich", "immich_copy", new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = "pw" }, null);
        Assert.Equal(2, load.Count);
        Assert.Equal(["psql", "--no-password", "--quiet", "--set=ON_ERROR_STOP=1", "--set=db=immich_copy", "--username=postgres", "--dbname=postgres"], load[0].Argv);
        Assert.Contains(":'db'", load[0].Input);
        Assert.Contains("\\gexec", load[0].Input);
        Assert.Equal(["pg_restore", "--no-password", "--clean", "--if-exists", "--exit-on-error", "--username=postgres", "--dbname=immich_copy"], load[1].Argv);
        Assert.Null(load[1].Input);
        Assert.All(load, l => Assert.Equal("pw", l.Environment["PGPASSWORD"]));
        Assert.All(load, l => Assert.Equal("db", l.Container));

        var same = DumpTools.Load(Postgres(), "immich", null, null, null);
        Assert.Equal("--dbname=immich", same[1].Argv[^1]);

        var all = Assert.Single(DumpTools.Load(Postgres() with { Databases = [] }, null, null, null, null));
        Assert.Equal(["psql", "--no-password", "--quiet", "--dbname=postgres"], all.Argv);
    }

    [Fact]
    public void AMariaDbLoadCreatesTheTargetDatabaseThenLoadsIntoIt()
    {
        var load = DumpTools.Load(MariaDb(), "nextcloud", "weird`name", null, "pw", EverythingInstalled);
        Assert.Equal(["mariadb", "--execute=CREATE DATABASE IF NOT EXISTS `weird``name`"], load[0].Argv);
        Assert.Equal(["mariadb", "--database=weird`name"], load[1].Argv);
        Assert.All(load, l => Assert.Equal("pw", l.Environment["MYSQL_PWD"]));
    }

    [Fact]
    public void OnlyAPgDumpFileHasAToolListing()
    {
        Assert.Equal(["pg_restore", "--list"], DumpTools.List(Postgres("db"), "immich")!.Argv);
        Assert.Equal("db", DumpTools.List(Postgres("db"), "immich")!.Container);
        Assert.Null(DumpTools.List(Postgres(), null));
        Assert.Null(DumpTools.List(MariaDb(), "nextcloud"));
    }

    [Fact]
    public void TheCommandLineQuotesWhatAShellWouldSplit()
    {
        var invocation = new DumpInvocation { Argv = ["mariadb", "--execute=CREATE DATABASE `x`", "it's"] };
        Assert.Equal("mariadb '--execute=CREATE DATABASE `x`' 'it'\\''s'", invocation.CommandLine);
    }
}
