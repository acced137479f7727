using System.Text;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Dumps;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>
/// dumps: of kind command, on the host and inside a busybox container through docker exec: the file in the snapshot
/// is the program's output byte for byte, a failing program fails its app with its standard error, and a second
/// backup reuses the parent snapshot for the app's files.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class CommandDumpBackupTests(DockerDaemonFixture fixture) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();
    private readonly List<string> _containers = [];
    private DumpTestStack Stack => new(_temp);

    private static (byte[] Expected, string Script) KnownStream(int bytes)
    {
        var line = Encoding.ASCII.GetBytes("redis rdb payload 0123456789\n");
        var expected = new byte[bytes];
        for (int i = 0; i < bytes; i++) expected[i] = line[i % line.Length];
        return (expected, $"yes 'redis rdb payload 0123456789' | head -c {bytes}");
    }

    private static DumpConfig Command(string name, string script, string? container = null) => new()
    {
        Kind = DumpKind.Command, Name = name, Command = ["sh", "-c", script], Container = container, FileName = name + ".rdb",
    };

    [Fact]
    public async Task ACommandsOutputIsStoredByteForByteAndASecondBackupReusesTheParentForTheFiles()
    {
        var (expected, script) = KnownStream(5_000_000);
        var stack = Stack;
        await using var repo = await stack.InitRepositoryAsync();
        var app = stack.App("redis", Command("redis", script));

        var first = Assert.Single(await stack.BackupAsync(repo, null, app));
        Assert.False(first.Failed, first.Error);
        Assert.Equal(expected, stack.ResticDump(first.SnapshotId!.Value, "/lifeboat-dumps/redis/redis.rdb"));

        var second = Assert.Single(await stack.BackupAsync(repo, null, app));
        Assert.False(second.Failed, second.Error);
        Assert.Equal(first.SnapshotId, second.Backup!.Parent?.Id);
        Assert.Equal(2, second.Backup.Statistics.FilesUnmodified); // the app's two files, not read again
        Assert.Equal(1, second.Backup.Statistics.FilesChanged); // the dump, always stored anew (and deduplicated)
        Assert.Equal(expected, stack.ResticDump(second.SnapshotId!.Value, "/lifeboat-dumps/redis/redis.rdb"));
    }

    [Fact]
    public async Task AFailingCommandFailsItsAppWithItsStandardErrorAndTheOtherAppsStillRun()
    {
        var stack = Stack;
        await using var repo = await stack.InitRepositoryAsync();
        var broken = stack.App("redis", Command("redis", "head -c 100000 /dev/zero; echo 'Could not connect to Redis at 127.0.0.1:6379: Connection refused' >&2; exit 1"));
        var results = await stack.BackupAsync(repo, null, broken, stack.App("sonarr"));

        Assert.Equal("command dump \"redis\" failed: Could not connect to Redis at 127.0.0.1:6379: Connection refused", results[0].Error);
        Assert.Empty(await stack.SnapshotsOfAsync(repo, "redis"));
        Assert.False(results[1].Failed, results[1].Error);
        Assert.Single(await stack.SnapshotsOfAsync(repo, "sonarr"));
    }

    [Fact]
    public async Task WithConsistencyStopTheDumpRunsOnceTheAppsContainersAreStopped()
    {
        var stack = Stack;
        await using var repo = await stack.InitRepositoryAsync();
        var marker = _temp.Combine("stopped-marker");
        var docker = new FakeContainerControl(("plex", true)) { OnStopped = name => File.WriteAllText(marker, $"{name} was stopped") };
        var app = stack.App("plex", Command("state", $"cat {marker}")) with { Containers = ["plex"], Consistency = ConsistencyMode.Stop };

        var result = Assert.Single(await stack.BackupAsync(repo, null, docker, app));
        Assert.False(result.Failed, result.Error);
        Assert.Equal("plex was stopped", Encoding.UTF8.GetString(stack.ResticDump(result.SnapshotId!.Value, "/lifeboat-dumps/state/state.rdb")));
        Assert.Equal(["inspect plex", "stop plex", "start plex"], docker.Calls);
    }

    [Fact]
    public async Task AMissingPasswordFileFailsTheAppBeforeAnythingRuns()
    {
        var stack = Stack;
        await using var repo = await stack.InitRepositoryAsync();
        var app = stack.App("immich", new DumpConfig { Kind = DumpKind.Postgres, Name = "postgres", Databases = ["immich"], PasswordFile = _temp.Combine("no-such.password") });
        var result = Assert.Single(await stack.BackupAsync(repo, null, app));
        Assert.StartsWith($"postgres dump \"postgres\" failed: cannot read its password-file {_temp.Combine("no-such.password")}:", result.Error);
        Assert.Empty(await stack.SnapshotsOfAsync(repo, "immich"));
    }

    [Fact]
    public async Task InAContainerTheExecsOutputIsStoredAndItsFailureFailsTheApp()
    {
        var daemon = fixture.Daemon;
        daemon.EnsureBusyboxImage();
        var container = DockerDaemonFixture.UniqueName("redis");
        daemon.RunContainer(container, null, "while true; do sleep 1; done");
        _containers.Add(container);
        using var docker = new DockerContainerControl(daemon.SocketUri);
        var (expected, script) = KnownStream(3_000_000);
        var stack = Stack;
        await using var repo = await stack.InitRepositoryAsync();
        var good = stack.App("redis", Command("redis", script, container));
        var bad = stack.App("cache", Command("cache", "echo 'redis-cli: NOAUTH Authentication required.' >&2; exit 2", container));
        var gone = stack.App("queue", Command("queue", "true", "lb-no-such-container"));

        var results = await stack.BackupAsync(repo, () => new DumpProcesses(() => docker, ownsDocker: false), good, bad, gone);
        Assert.False(results[0].Failed, results[0].Error);
        Assert.Equal(expected, stack.ResticDump(results[0].SnapshotId!.Value, "/lifeboat-dumps/redis/redis.rdb"));
        Assert.Equal($"command dump \"cache\" (container {container}) failed: redis-cli: NOAUTH Authentication required.", results[1].Error);
        Assert.Equal("command dump \"queue\" (container lb-no-such-container) failed: container lb-no-such-container does not exist (docker ps -a lists the containers there are)", results[2].Error);
        Assert.Empty(await stack.SnapshotsOfAsync(repo, "cache"));
        Assert.Empty(await stack.SnapshotsOfAsync(repo, "queue"));
    }

    [Fact]
    public async Task InAContainerTheDatabaseToolsRunWithTheContainersCredentialsAndMysqldumpServesWhenMariaDbDumpIsMissing()
    {
        var daemon = fixture.Daemon;
        daemon.EnsureBusyboxImage();
        var container = DockerDaemonFixture.UniqueName("db");
        // stand-ins for the tools: each prints its name, its arguments and the password it was given
        const string Tool = "printf '#!/bin/sh\\necho \"$0 $*\"\\necho \"PGPASSWORD=$PGPASSWORD MYSQL_PWD=$MYSQL_PWD\"\\n'";
        daemon.RunDocker("run", "-d", "--network", "none", "--name", container,
            "-e", "POSTGRES_USER=immich", "-e", "POSTGRES_PASSWORD=pg-from-env", "-e", "MARIADB_ROOT_PASSWORD=root-from-env",
            DockerDaemon.DefaultImage, "sh", "-c",
            $"{Tool} > /bin/pg_dump && {Tool} > /bin/mysqldump && chmod +x /bin/pg_dump /bin/mysqldump && touch /tmp/ready && while true; do sleep 1; done");
        _containers.Add(container);
        while (!daemon.TryRunDocker("exec", container, "test", "-f", "/tmp/ready").Succeeded) await Task.Delay(50, Ct);
        using var docker = new DockerContainerControl(daemon.SocketUri);
        var stack = Stack;
        await using var repo = await stack.InitRepositoryAsync();
        var app = stack.App("immich",
            new DumpConfig { Kind = DumpKind.Postgres, Name = "postgres", Container = container, Databases = ["immich"] },
            new DumpConfig { Kind = DumpKind.MariaDb, Name = "mariadb", Container = container, Databases = ["nextcloud"] });

        var result = Assert.Single(await stack.BackupAsync(repo, () => new DumpProcesses(() => docker, ownsDocker: false), app));
        Assert.False(result.Failed, result.Error);
        Assert.Equal("/bin/pg_dump --format=custom --no-password --username=immich immich\nPGPASSWORD=pg-from-env MYSQL_PWD=\n",
            Encoding.UTF8.GetString(stack.ResticDump(result.SnapshotId!.Value, "/lifeboat-dumps/postgres/immich.pgdump")));
        Assert.Equal("/bin/mysqldump --single-transaction --routines --events --triggers --hex-blob --user=root nextcloud\nPGPASSWORD= MYSQL_PWD=root-from-env\n",
            Encoding.UTF8.GetString(stack.ResticDump(result.SnapshotId!.Value, "/lifeboat-dumps/mariadb/nextcloud.sql")));
    }

    public void Dispose()
    {
        if (_containers.Count > 0) fixture.Daemon.TryRunDocker(["rm", "-f", .. _containers]);
        _temp.Dispose();
    }
}
