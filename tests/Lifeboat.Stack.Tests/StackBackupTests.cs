using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Lifeboat.TestSupport;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Tests;

/// <summary>The backup scenario against a real repository: container ordering (with a fake Docker) and live SQLite copies.</summary>
public class StackBackupTests : IDisposable
{
    private const string Password = "stack test password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();

    private string RepoPath => _temp.Combine("repo");

    private async Task<Repository> InitRepositoryAsync()
    {
        var repo = await Repository.InitAsync(new LocalBackend(RepoPath), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        await repo.LoadIndexAsync(Ct);
        return repo;
    }

    private StackConfig Config(params AppConfig[] apps) => new()
    {
        File = "lifeboat.yaml", Repository = RepoPath, Host = "test-host", Apps = apps,
    };

    private AppConfig App(string name, ConsistencyMode mode, params string[] containers)
    {
        var path = _temp.Combine("apps/" + name);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "settings.xml"), "<settings/>");
        return new AppConfig { Name = name, Paths = [path], Containers = containers, Consistency = mode };
    }

    [Fact]
    public async Task StopStopsOnlyRunningContainersAndStartsThemAfter()
    {
        var docker = new FakeContainerControl(("plex", true), ("plex-helper", false));
        var app = App("plex", ConsistencyMode.Stop, "plex", "plex-helper");
        bool runningDuringBackup = true;
        docker.OnStopped = _ => runningDuringBackup = docker.IsRunning("plex");
        await using var repo = await InitRepositoryAsync();
        var results = await new StackBackup(repo, Config(app), () => docker).RunAsync([app], ["nightly"], Ct);

        Assert.False(results[0].Failed, results[0].Error);
        Assert.False(runningDuringBackup);
        Assert.Equal(["inspect plex", "inspect plex-helper", "stop plex", "start plex"], docker.Calls);
        Assert.True(docker.IsRunning("plex"));
        Assert.False(docker.IsRunning("plex-helper"));
        var snapshot = await repo.LoadSnapshotAsync(results[0].SnapshotId!.Value, Ct);
        Assert.Equal(["app:plex", "nightly"], snapshot.Tags);
        Assert.Equal("test-host", snapshot.Hostname);
    }

    [Fact]
    public async Task AFailedBackupStillStartsTheContainersAndTheOtherAppsRun()
    {
        var docker = new FakeContainerControl(("plex", true), ("sonarr", true));
        var plex = App("plex", ConsistencyMode.Stop, "plex");
        var sonarr = App("sonarr", ConsistencyMode.None, "sonarr");
        Directory.Delete(plex.Paths[0], recursive: true); // the archiver finds nothing to back up and throws
        await using var repo = await InitRepositoryAsync();
        var results = await new StackBackup(repo, Config(plex, sonarr), () => docker).RunAsync([plex, sonarr], [], Ct);

        Assert.True(results[0].Failed);
        Assert.Contains("do not exist", results[0].Error);
        // sonarr: none, its container only looked up (is it there?), never stopped
        Assert.Equal(["inspect plex", "stop plex", "start plex", "inspect sonarr"], docker.Calls);
        Assert.True(docker.IsRunning("plex"));
        Assert.False(results[1].Failed, results[1].Error);
        Assert.Empty(results[1].Warnings);
    }

    [Fact]
    public async Task ACancelledBackupStillStartsTheContainers()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var docker = new FakeContainerControl(("plex", true), ("db", true)) { OnStopped = name => { if (name == "db") cancel.Cancel(); } };
        var plex = App("plex", ConsistencyMode.Stop, "plex", "db");
        await using var repo = await InitRepositoryAsync();
        using var state = new TempDirectory("lifeboat-state");
        var log = new BackupRunLog(repo.Config.Id, state.Path);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new StackBackup(repo, Config(plex), () => docker) { RunLog = log }.RunAsync([plex], [], cancel.Token));
        Assert.Equal(["inspect plex", "inspect db", "stop plex", "stop db", "start db", "start plex"], docker.Calls);
        // the interrupted run is in the history as failed, for the doctor
        var run = log.Latest("plex");
        Assert.NotNull(run);
        Assert.Equal(BackupRunRecord.Failed, run.Outcome);
        Assert.Contains("interrupted", run.Error);
    }

    [Fact]
    public async Task AMissingContainerFailsTheAppBeforeAnythingIsStopped()
    {
        var docker = new FakeContainerControl(("plex", true));
        var plex = App("plex", ConsistencyMode.Stop, "plex", "plexx");
        await using var repo = await InitRepositoryAsync();
        var results = await new StackBackup(repo, Config(plex), () => docker).RunAsync([plex], [], Ct);
        Assert.Equal("no such container: plexx; fix containers in the config", results[0].Error);
        Assert.DoesNotContain(docker.Calls, c => c.StartsWith("stop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoDockerFailsOnlyTheStopApps()
    {
        var plex = App("plex", ConsistencyMode.Stop, "plex");
        var radarr = App("radarr", ConsistencyMode.None);
        await using var repo = await InitRepositoryAsync();
        // a Docker daemon that is not there: only the app that needs its containers stopped fails, with the reason
        var socket = Path.Combine(Path.GetTempPath(), $"no-docker-{Guid.NewGuid():n}.sock");
        var results = await new StackBackup(repo, Config(plex, radarr), () => new Lifeboat.Stack.Containers.DockerContainerControl(new Uri("unix://" + socket))).RunAsync([plex, radarr], [], Ct);
        Assert.Contains("not reachable", results[0].Error);
        Assert.False(results[1].Failed);
    }

    [Fact]
    public async Task ADatabaseUnderContinuousWritesIsStoredAsAConsistentCommittedPrefix()
    {
        var app = App("jellyfin", ConsistencyMode.Sqlite);
        var dbPath = Path.Combine(app.Paths[0], "data", "library"); // no .db: found by header
        Directory.CreateDirectory(Path.GetDirectoryName(dbPath)!);
        const int RowsPerTransaction = 25;
        using var stop = new CancellationTokenSource();
        long committed = 0;
        var writerReady = new TaskCompletionSource();
        var writer = Task.Run(() =>
        {
            using var connection = new SqliteConnection($"Data Source={dbPath};Pooling=False");
            connection.Open();
            Exec(connection, "PRAGMA journal_mode=WAL; CREATE TABLE items(id INTEGER PRIMARY KEY, payload BLOB NOT NULL);");
            long next = 1;
            while (!stop.IsCancellationRequested)
            {
                using var tx = connection.BeginTransaction();
                for (int i = 0; i < RowsPerTransaction; i++, next++)
                {
                    using var insert = connection.CreateCommand();
                    insert.CommandText = "INSERT INTO items(id, payload) VALUES ($id, randomblob(3000))";
                    insert.Parameters.AddWithValue("$id", next);
                    insert.ExecuteNonQuery();
                }
                tx.Commit();
                Interlocked.Exchange(ref committed, next - 1);
                if (next > 400) writerReady.TrySetResult();
            }
        }, Ct);
        await writerReady.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var staging = _temp.Combine("staging");
        Directory.CreateDirectory(staging);
        await using (var repo = await InitRepositoryAsync())
        {
            var results = await new StackBackup(repo, Config(app), () => throw new InvalidOperationException("no docker needed"))
            { StagingParent = staging }.RunAsync([app], [], Ct);
            Assert.False(results[0].Failed, results[0].Error);
        }
        Assert.True(Interlocked.Read(ref committed) > 0);
        await stop.CancelAsync();
        await writer;
        Assert.Empty(Directory.GetFileSystemEntries(staging)); // the copies are gone

        // restic itself restores it; the live -wal and -shm are not in the snapshot
        using var restic = new Restic(RepoPath, Password);
        var target = _temp.Combine("restored");
        restic.Restore("latest", target);
        var restored = target + dbPath;
        Assert.False(File.Exists(restored + "-wal"));
        Assert.False(File.Exists(restored + "-shm"));
        using var check = new SqliteConnection($"Data Source={restored};Mode=ReadOnly;Pooling=False");
        check.Open();
        Assert.Equal("ok", Scalar(check, "PRAGMA integrity_check"));
        long count = Convert.ToInt64(Scalar(check, "SELECT COUNT(*) FROM items"));
        long max = Convert.ToInt64(Scalar(check, "SELECT MAX(id) FROM items"));
        long min = Convert.ToInt64(Scalar(check, "SELECT MIN(id) FROM items"));
        Assert.True(count > 0);
        Assert.Equal(1, min);
        Assert.Equal(count, max);                      // ids 1..k, contiguous
        Assert.Equal(0, count % RowsPerTransaction);   // whole transactions only
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        _temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
