using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.State;
using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// Backup runs keyed by config as well as repository (state schema 3): each config reads its own runs, and the runs
/// of earlier versions, which recorded no config, stay readable for every config.
/// </summary>
public sealed class BackupRunLogConfigTests : IDisposable
{
    private const string RepositoryId = "7c0ffee5cf95bfdf81f4a4ae92a253743b37318e1e00ab9a77b87b06e0cbc832";
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static BackupRunRecord Run(DateTimeOffset time, string outcome) => new()
    {
        Time = time, App = "sonarr", Host = "media-vm", Outcome = outcome, DurationSeconds = 1,
        Error = outcome == BackupRunRecord.Failed ? "no such container: sonarr; fix containers in the config" : null,
    };

    [Fact]
    public void Each_config_sees_its_own_runs_and_those_recorded_before_configs_were()
    {
        var real = new BackupRunLog(RepositoryId, _temp.Path) { ConfigFile = "/etc/lifeboat/lifeboat.yaml" };
        var oneOff = new BackupRunLog(RepositoryId, _temp.Path) { ConfigFile = "/tmp/try.yaml" };
        real.Append([Run(T0, BackupRunRecord.Ok)]);
        oneOff.Append([Run(T0.AddHours(1), BackupRunRecord.Failed)]);

        Assert.Equal(BackupRunRecord.Ok, real.Latest("sonarr")!.Outcome);
        Assert.Equal("/etc/lifeboat/lifeboat.yaml", real.Latest("sonarr")!.Config);
        Assert.Equal(BackupRunRecord.Failed, oneOff.Latest("sonarr")!.Outcome);
        // unscoped (metrics of old, tests): every run of the repository
        Assert.Equal(2, new BackupRunLog(RepositoryId, _temp.Path).ReadAll().Count);
    }

    [Fact]
    public void A_schema_2_database_is_migrated_and_its_runs_count_for_every_config()
    {
        // a state database as the previous version left it: schema 2, a failed run without a config column
        new BackupRunLog(RepositoryId, _temp.Path).ReadAll();
        using (var connection = new SqliteConnection($"Data Source={_temp.Combine(StateDatabase.FileName)};Pooling=False"))
        {
            connection.Open();
            using var downgrade = connection.CreateCommand();
            downgrade.CommandText = $"""
                ALTER TABLE backup_runs DROP COLUMN config; PRAGMA user_version = 2;
                INSERT INTO backup_runs (repository, app, time_ms, host, outcome, error, duration_seconds)
                VALUES ('{RepositoryId}', 'sonarr', {T0.ToUnixTimeMilliseconds()}, 'media-vm', 'failed', 'disk full', 2.5);
                """;
            downgrade.ExecuteNonQuery();
        }

        var log = new BackupRunLog(RepositoryId, _temp.Path) { ConfigFile = "/etc/lifeboat/lifeboat.yaml" };
        var old = log.Latest("sonarr");
        Assert.NotNull(old);
        Assert.Equal(("failed", "disk full", (string?)null), (old.Outcome, old.Error, old.Config));
        log.Append([Run(T0.AddHours(1), BackupRunRecord.Ok)]);
        Assert.Equal(BackupRunRecord.Ok, log.Latest("sonarr")!.Outcome);
        Assert.Equal(2, log.ReadAll().Count);
    }

    [Fact]
    public void A_fix_said_inside_another_is_not_repeated()
    {
        // a failed restore test that is also too old: both findings, one fix
        new RestoreTestLog(RepositoryId, _temp.Path).Append([RestoreTestLogTests.Record("sonarr", DateTimeOffset.Now.AddDays(-40), passed: false)]);
        var config = new StackConfig
        {
            File = "lifeboat.yaml", Repository = "/srv/repo", Host = "media-vm",
            Apps = [new AppConfig { Name = "sonarr", Paths = ["/mnt/projects/sonarr"] }],
        };
        var item = new AppChecks(config, RepositoryId, [], _temp.Path, DateTimeOffset.Now).RestoreTest(config.Apps[0]);
        Assert.Equal(DoctorStatus.Fail, item.Status);
        Assert.Contains("; also the last restore test is 40 days old (limit 30d)", item.Reason);
        Assert.Equal("find out why (the problems name the files), then run lifeboat verify sonarr", item.Fix);
    }
}
