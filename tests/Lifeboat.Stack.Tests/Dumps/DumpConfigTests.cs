using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Verification;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>dumps: in lifeboat.yaml: every form an entry takes, and every mistake named with its file, line, key and a fix.</summary>
public class DumpConfigTests
{
    private static StackConfig Parse(string yaml) => StackConfigParser.Parse(yaml, "lifeboat.yaml", "/etc/lifeboat", "this-host");

    private static string Refused(string yaml) => Assert.Throws<StackConfigException>(() => Parse(yaml)).Message;

    /// <summary>An app immich whose dumps: list is <paramref name="entries"/> (indented as list items under dumps:).</summary>
    private static string WithDumps(string entries) => $"""
        repository: /srv/repo
        apps:
          immich:
            paths: [/srv/immich]
            dumps:
        {entries}
        """;

    [Fact]
    public void EveryKindParsesWithItsKeys()
    {
        var config = Parse("""
            repository: /srv/repo
            apps:
              immich:
                paths: [/srv/immich/config]
                exclude: [/srv/immich/postgres]
                dumps:
                  - kind: postgres
                    container: immich_postgres
                    databases: [immich, "données"]
                    user: postgres
                    password-file: secrets/immich-db.password
                    host: 127.0.0.1
                    port: 5433
                    scratch-database: lifeboat_verify
                  - kind: mysql
                    databases: all
                    host: /run/mysqld/mysqld.sock
                  - kind: command
                    name: redis
                    container: redis
                    command: [redis-cli, --rdb, /dev/stdout]
                    restore-command: sh -c 'cat > /data/dump.rdb'
                    file: dump.rdb
            """);
        var dumps = config.Apps[0].Dumps;
        Assert.Equal(3, dumps.Count);

        var pg = dumps[0];
        Assert.Equal(DumpKind.Postgres, pg.Kind);
        Assert.Equal("postgres", pg.Name);
        Assert.Equal("immich_postgres", pg.Container);
        Assert.Equal(["immich", "données"], pg.Databases);
        Assert.False(pg.AllDatabases);
        Assert.Equal("postgres", pg.User);
        Assert.Equal("/etc/lifeboat/secrets/immich-db.password", pg.PasswordFile);
        Assert.Equal("127.0.0.1", pg.Host);
        Assert.Equal(5433, pg.Port);
        Assert.Equal("lifeboat_verify", pg.ScratchDatabase);
        Assert.Equal(7, pg.Line);
        Assert.Equal(["/lifeboat-dumps/postgres/immich.pgdump", "/lifeboat-dumps/postgres/données.pgdump"], DumpLayout.Files(pg).Select(f => f.SnapshotPath));

        var maria = dumps[1];
        Assert.Equal(DumpKind.MariaDb, maria.Kind);
        Assert.Equal("mysql", maria.Name);
        Assert.True(maria.AllDatabases);
        Assert.Null(maria.Container);
        Assert.Equal("/run/mysqld/mysqld.sock", maria.Host);
        Assert.Equal(["/lifeboat-dumps/mysql/all.sql"], DumpLayout.Files(maria).Select(f => f.SnapshotPath));

        var redis = dumps[2];
        Assert.Equal(DumpKind.Command, redis.Kind);
        Assert.Equal("redis", redis.Name);
        Assert.Equal(["redis-cli", "--rdb", "/dev/stdout"], redis.Command);
        Assert.Equal(["sh", "-c", "cat > /data/dump.rdb"], redis.RestoreCommand);
        Assert.Equal(["/lifeboat-dumps/redis/dump.rdb"], DumpLayout.Files(redis).Select(f => f.SnapshotPath));
        Assert.Equal("command dump \"redis\" (container redis)", redis.Display);
    }

    [Fact]
    public void AnAppWithoutDumpsHasNone()
    {
        var config = Parse(WithDumps("      ~"));
        Assert.Empty(config.Apps[0].Dumps);
    }

    [Fact]
    public void DatabasesAllAsAListItemIsAllToo()
    {
        var dump = Assert.Single(Parse(WithDumps("      - {kind: mariadb, databases: [all]}")).Apps[0].Dumps);
        Assert.True(dump.AllDatabases);
        Assert.Equal("mariadb", dump.Name);
    }

    [Fact]
    public void ACommandDumpFileDefaultsToItsName()
    {
        var dump = Assert.Single(Parse(WithDumps("      - {kind: command, name: ldap, command: slapcat -n 1}")).Apps[0].Dumps);
        Assert.Equal(["slapcat", "-n", "1"], dump.Command);
        Assert.Null(dump.RestoreCommand);
        Assert.Equal(["/lifeboat-dumps/ldap/ldap.dump"], DumpLayout.Files(dump).Select(f => f.SnapshotPath));
    }

    [Fact]
    public void AnUnknownKindNamesTheKinds()
    {
        var message = Refused(WithDumps("      - {kind: oracle, databases: [x]}"));
        Assert.Equal("lifeboat.yaml:6: key \"apps.immich.dumps.kind\": \"oracle\" is not a kind of dump; use postgres, mariadb, mysql or command", message);
    }

    [Fact]
    public void AMissingKindIsNamed()
    {
        var message = Refused(WithDumps("      - {databases: [x]}"));
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps.kind\": is missing;", message);
    }

    [Fact]
    public void AnUnknownKeyNamesTheValidOnes()
    {
        var message = Refused(WithDumps("""
                  - kind: postgres
                    databases: [x]
                    pasword-file: /x
            """));
        Assert.StartsWith("lifeboat.yaml:8: key \"apps.immich.dumps.pasword-file\": is not a known key; valid keys are kind, name, container,", message);
    }

    [Fact]
    public void ACommandDumpNeedsANameAndACommand()
    {
        Assert.Equal("lifeboat.yaml:6: key \"apps.immich.dumps.name\": is missing; a command dump needs a name, unique in the app, e.g. name: redis (its folder in the snapshot)",
            Refused(WithDumps("      - {kind: command, command: [redis-cli]}")));
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps.command\": is missing; a command dump needs the program",
            Refused(WithDumps("      - {kind: command, name: redis}")));
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps.command\": the command is empty",
            Refused(WithDumps("      - {kind: command, name: redis, command: []}")));
    }

    [Fact]
    public void KeysOfTheOtherKindAreRefused()
    {
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps.databases\": is for postgres and mariadb dumps;",
            Refused(WithDumps("      - {kind: command, name: r, command: [x], databases: [a]}")));
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps.command\": is for kind: command; a postgres dump runs its own tools",
            Refused(WithDumps("      - {kind: postgres, databases: [a], command: [x]}")));
    }

    [Fact]
    public void ADatabaseDumpNeedsItsDatabases()
    {
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps.databases\": is missing; list the databases",
            Refused(WithDumps("      - {kind: postgres, container: db}")));
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps.databases\": is empty;",
            Refused(WithDumps("      - {kind: postgres, databases: []}")));
    }

    [Fact]
    public void NamesAreUniqueInTheApp()
    {
        var message = Refused(WithDumps("""
                  - {kind: postgres, databases: [a]}
                  - {kind: postgres, databases: [b], container: other}
            """));
        Assert.StartsWith("lifeboat.yaml:7: key \"apps.immich.dumps.name\": \"postgres\" is already the name of the dump on line 6 of apps.immich; give each dump of an app its own name:", message);
    }

    [Theory]
    [InlineData("\"a/b\"", "a/b")]
    [InlineData("\"..\"", "..")]
    [InlineData("\".\"", ".")]
    [InlineData("\"a\\tb\"", "a\\x09b")]
    public void ADatabaseNameMustBeASafeFileName(string yamlName, string shown)
    {
        var message = Refused(WithDumps($"      - {{kind: postgres, databases: [ok, {yamlName}]}}"));
        Assert.Equal($"lifeboat.yaml:6: key \"apps.immich.dumps.databases\": \"{shown}\" cannot be a database name here: it becomes a file name in the snapshot, so it may not be empty, . or .., nor hold a / or a control character", message);
    }

    [Fact]
    public void ADatabaseNameThatLooksLikeAnOptionIsRefused()
    {
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps.databases\": \"--all-databases\" cannot be a database name here: the dump tools would read it as an option;",
            Refused(WithDumps("      - {kind: mariadb, databases: [--all-databases]}")));
    }

    [Fact]
    public void TheNameAndFileMustBeSafeFileNamesToo()
    {
        Assert.Contains("key \"apps.immich.dumps.name\": \"../x\" cannot be a dump name here", Refused(WithDumps("      - {kind: command, name: ../x, command: [x]}")));
        Assert.Contains("key \"apps.immich.dumps.file\": \"d/x\" cannot be a file name here", Refused(WithDumps("      - {kind: command, name: r, command: [x], file: d/x}")));
        Assert.Contains("key \"apps.immich.dumps.scratch-database\": \"..\" cannot be a database name", Refused(WithDumps("      - {kind: postgres, databases: [a], scratch-database: ..}")));
    }

    [Fact]
    public void AllCannotBeMixedWithNames()
    {
        Assert.Equal("lifeboat.yaml:6: key \"apps.immich.dumps.databases\": all cannot be mixed with database names; write databases: all (one file of every database) or list the names",
            Refused(WithDumps("      - {kind: mariadb, databases: [app, all]}")));
    }

    [Fact]
    public void APasswordIsRecordedNeverEchoedAndTheRestStillParses()
    {
        var yaml = WithDumps("""
                  - kind: postgres
                    databases: [a]
                    password: hunter2-secret
            """);
        var analysis = StackConfigParser.Analyze(yaml, "lifeboat.yaml", "/etc/lifeboat", "this-host");
        Assert.NotNull(analysis.Config);
        Assert.Single(analysis.Config!.Apps[0].Dumps);
        var finding = Assert.Single(analysis.InlinePasswords);
        Assert.StartsWith("lifeboat.yaml:8: key \"apps.immich.dumps.password\": a password is never written in lifeboat.yaml;", finding.Message);
        Assert.DoesNotContain("hunter2", finding.Message);
        // Parse refuses the file with the same line
        Assert.DoesNotContain("hunter2", Refused(yaml));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("http")]
    public void APortOutOfRangeIsRefused(string port)
    {
        Assert.Equal($"lifeboat.yaml:6: key \"apps.immich.dumps.port\": \"{port}\" is not a port; use a number from 1 to 65535, e.g. 5432",
            Refused(WithDumps($"      - {{kind: postgres, databases: [a], port: {port}}}")));
    }

    [Fact]
    public void AnAbsolutePasswordFileIsKept()
    {
        var dump = Assert.Single(Parse(WithDumps("      - {kind: postgres, databases: [a], password-file: /root/db.pw}")).Apps[0].Dumps);
        Assert.Equal("/root/db.pw", dump.PasswordFile);
    }

    [Theory]
    [InlineData("/lifeboat-dumps")]
    [InlineData("/lifeboat-dumps/postgres")]
    public void AnAppPathInTheDumpsFolderIsRefused(string path)
    {
        var message = Refused($"""
            repository: /srv/repo
            apps:
              immich:
                paths: [/srv/immich, {path}]
            """);
        Assert.StartsWith($"lifeboat.yaml:4: key \"apps.immich.paths\": {path} lies in /lifeboat-dumps, the folder that holds the dumps", message);
    }

    [Fact]
    public void TheRootAsAPathOfAnAppWithDumpsIsRefused()
    {
        var message = Refused("""
            repository: /srv/repo
            apps:
              all:
                paths: [/]
                dumps: [{kind: postgres, databases: all}]
            """);
        Assert.StartsWith("lifeboat.yaml:4: key \"apps.all.paths\": / holds /lifeboat-dumps, where this app's dumps go", message);
        // without dumps the root is still a valid path
        Assert.Equal(["/"], Parse("repository: /srv/repo\napps:\n  all:\n    paths: [/]\n").Apps[0].Paths);
    }

    [Fact]
    public void ADumpInsideAContainerThatConsistencyStopStopsIsRefused()
    {
        var message = Refused("""
            repository: /srv/repo
            apps:
              immich:
                paths: [/srv/immich]
                containers: [immich_server, immich_postgres]
                consistency: stop
                dumps:
                  - {kind: postgres, container: immich_postgres, databases: [immich]}
            """);
        Assert.StartsWith("lifeboat.yaml:8: key \"apps.immich.dumps.container\": immich_postgres is stopped by consistency: stop, so a dump cannot run inside it;", message);

        // the database container left out of the stopped ones is fine
        var app = Parse("""
            repository: /srv/repo
            apps:
              immich:
                paths: [/srv/immich]
                containers: [immich_server]
                consistency: stop
                dumps:
                  - {kind: postgres, container: immich_postgres, databases: [immich]}
            """).Apps[0];
        Assert.Equal("immich_postgres", Assert.Single(app.Dumps).Container);
    }

    [Fact]
    public void AScratchDatabaseThatIsDumpedIsRefused()
    {
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps.scratch-database\": \"app\" is one of the databases this entry dumps;",
            Refused(WithDumps("      - {kind: postgres, databases: [app], scratch-database: app}")));
    }

    [Fact]
    public void AnInvalidContainerNameIsRefused()
    {
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps.container\": \"db;rm\" is not a valid container name",
            Refused(WithDumps("      - {kind: postgres, databases: [a], container: \"db;rm\"}")));
    }

    [Fact]
    public void DumpsMustBeAList()
    {
        Assert.StartsWith("lifeboat.yaml:6: key \"apps.immich.dumps\": must be a list of dumps",
            Refused(WithDumps("      kind: postgres")));
    }

    [Fact]
    public void TheSecretScanFindsAPasswordInADumpCommand()
    {
        var findings = ConfigSecretScan.Find("""
            apps:
              a:
                dumps:
                  - kind: command
                    name: db
                    command: [mysqldump, --password=hunter2, app]
                  - kind: command
                    name: env
                    command: [env, PGPASSWORD=hunter2, pg_dump, app]
                  - kind: command
                    name: fine
                    command: [mysqldump, "--password=$DB_PASSWORD", app]
            """, password: null);
        Assert.Equal(["line 6: a --password=... argument", "line 9: a PGPASSWORD=... assignment"], findings);
    }
}
