using Lifeboat.Stack.Operations;
using Lifeboat.Stack.Operations.Metrics;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.Verification;

namespace Lifeboat.Stack.Tests;

/// <summary>The Prometheus text of the metrics: exact format, escaping, and an order that does not depend on the input's.</summary>
public sealed class MetricsWriterTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_250);

    private static AppMetrics Plex() => new()
    {
        App = "plex",
        Snapshots = 7,
        LastSuccess = T0.AddDays(-1),
        LastBackup = new BackupRunRecord
        {
            Time = T0, App = "plex", Host = "media-vm", Outcome = BackupRunRecord.Partial, SnapshotId = new string('a', 64),
            DurationSeconds = 12.5, Files = 1234, BytesAdded = 9_007_199_254_740_000,
        },
        LastRestoreTest = new RestoreTestRecord
        {
            Time = T0.AddHours(-2), App = "plex", Host = "media-vm", SnapshotId = new string('a', 64), SnapshotTime = T0.AddDays(-1),
            Passed = false, DurationSeconds = 3,
        },
    };

    private static MetricsSnapshot Snapshot() => new()
    {
        Repositories =
        [
            new RepositoryMetrics
            {
                Name = "primary", Id = "5bd12c34", SizeBytes = 123_456_789, Packs = 42, Snapshots = 9, LockWaits = 3, QueuedJobs = 1,
                Apps = [Plex(), new AppMetrics { App = "sonarr", Snapshots = 2 }],
            },
        ],
        Jobs =
        [
            new JobRunSummary("backup", [], T0.AddMinutes(-5),
                new JobRunRecord(Guid.NewGuid(), "backup", [], "schedule", T0.AddMinutes(-5), T0, JobOutcome.Warning, 3, "partial"), T0.AddDays(-1)),
        ],
    };

    [Fact]
    public void The_text_is_exposition_format_0_0_4_with_one_help_and_type_per_family_sorted_by_name()
    {
        var expected = """
            # HELP lifeboat_app_snapshots The app's snapshots in the repository (of the stack's host)
            # TYPE lifeboat_app_snapshots gauge
            lifeboat_app_snapshots{repository="primary",app="plex"} 7
            lifeboat_app_snapshots{repository="primary",app="sonarr"} 2
            # HELP lifeboat_backup_last_added_bytes New data the app's last backup run added to the repository, before compression
            # TYPE lifeboat_backup_last_added_bytes gauge
            lifeboat_backup_last_added_bytes{repository="primary",app="plex"} 9007199254740000
            # HELP lifeboat_backup_last_duration_seconds How long the app's last backup run took
            # TYPE lifeboat_backup_last_duration_seconds gauge
            lifeboat_backup_last_duration_seconds{repository="primary",app="plex"} 12.5
            # HELP lifeboat_backup_last_files Files in the snapshot of the app's last backup run (0 when it failed)
            # TYPE lifeboat_backup_last_files gauge
            lifeboat_backup_last_files{repository="primary",app="plex"} 1234
            # HELP lifeboat_backup_last_outcome The outcome of the app's last backup run: 1 for its outcome (warning: a partial snapshot), 0 for the others
            # TYPE lifeboat_backup_last_outcome gauge
            lifeboat_backup_last_outcome{repository="primary",app="plex",outcome="failure"} 0
            lifeboat_backup_last_outcome{repository="primary",app="plex",outcome="success"} 0
            lifeboat_backup_last_outcome{repository="primary",app="plex",outcome="warning"} 1
            # HELP lifeboat_backup_last_run_timestamp_seconds When the app's last backup run finished, whatever its outcome
            # TYPE lifeboat_backup_last_run_timestamp_seconds gauge
            lifeboat_backup_last_run_timestamp_seconds{repository="primary",app="plex"} 1800000000.25
            # HELP lifeboat_backup_last_success_timestamp_seconds When the app's last complete backup finished
            # TYPE lifeboat_backup_last_success_timestamp_seconds gauge
            lifeboat_backup_last_success_timestamp_seconds{repository="primary",app="plex"} 1799913600.25
            # HELP lifeboat_job_last_duration_seconds How long the job's last finished run took
            # TYPE lifeboat_job_last_duration_seconds gauge
            lifeboat_job_last_duration_seconds{job="backup",apps=""} 300
            # HELP lifeboat_job_last_finish_timestamp_seconds When the job's last finished run ended
            # TYPE lifeboat_job_last_finish_timestamp_seconds gauge
            lifeboat_job_last_finish_timestamp_seconds{job="backup",apps=""} 1800000000.25
            # HELP lifeboat_job_last_outcome The outcome of the job's last finished run: 1 for its outcome, 0 for the others
            # TYPE lifeboat_job_last_outcome gauge
            lifeboat_job_last_outcome{job="backup",apps="",outcome="failure"} 0
            lifeboat_job_last_outcome{job="backup",apps="",outcome="success"} 0
            lifeboat_job_last_outcome{job="backup",apps="",outcome="warning"} 1
            # HELP lifeboat_job_last_start_timestamp_seconds When a run of the job last started (apps: the apps it names, empty for all)
            # TYPE lifeboat_job_last_start_timestamp_seconds gauge
            lifeboat_job_last_start_timestamp_seconds{job="backup",apps=""} 1799999700.25
            # HELP lifeboat_job_last_success_timestamp_seconds When a run of the job last finished with success
            # TYPE lifeboat_job_last_success_timestamp_seconds gauge
            lifeboat_job_last_success_timestamp_seconds{job="backup",apps=""} 1799913600.25
            # HELP lifeboat_job_queue_length Jobs waiting for their turn on the repository
            # TYPE lifeboat_job_queue_length gauge
            lifeboat_job_queue_length{repository="primary"} 1
            # HELP lifeboat_repository_info The repository's ID; always 1
            # TYPE lifeboat_repository_info gauge
            lifeboat_repository_info{repository="primary",id="5bd12c34"} 1
            # HELP lifeboat_repository_lock_waits_total Times a job waited for a lock held by another on the repository
            # TYPE lifeboat_repository_lock_waits_total counter
            lifeboat_repository_lock_waits_total{repository="primary"} 3
            # HELP lifeboat_repository_packs Pack files in the repository, from its index
            # TYPE lifeboat_repository_packs gauge
            lifeboat_repository_packs{repository="primary"} 42
            # HELP lifeboat_repository_size_bytes Total size of the repository's pack files, from its index
            # TYPE lifeboat_repository_size_bytes gauge
            lifeboat_repository_size_bytes{repository="primary"} 123456789
            # HELP lifeboat_repository_snapshots Snapshots in the repository, of every host
            # TYPE lifeboat_repository_snapshots gauge
            lifeboat_repository_snapshots{repository="primary"} 9
            # HELP lifeboat_restore_test_last_duration_seconds How long the app's last restore test took
            # TYPE lifeboat_restore_test_last_duration_seconds gauge
            lifeboat_restore_test_last_duration_seconds{repository="primary",app="plex"} 3
            # HELP lifeboat_restore_test_last_passed Whether the app's last restore test (lifeboat verify) passed: 1 or 0
            # TYPE lifeboat_restore_test_last_passed gauge
            lifeboat_restore_test_last_passed{repository="primary",app="plex"} 0
            # HELP lifeboat_restore_test_last_timestamp_seconds When the app's last restore test finished
            # TYPE lifeboat_restore_test_last_timestamp_seconds gauge
            lifeboat_restore_test_last_timestamp_seconds{repository="primary",app="plex"} 1799992800.25

            """.Replace("\r\n", "\n");
        Assert.Equal(expected, MetricsWriter.Render(Snapshot()));
    }

    [Fact]
    public void Label_values_are_escaped()
    {
        var snapshot = new MetricsSnapshot
        {
            Repositories = [new RepositoryMetrics { Name = "primary", Apps = [new AppMetrics { App = "a\\b\"c\nd", Snapshots = 1 }] }],
        };
        Assert.Contains("lifeboat_app_snapshots{repository=\"primary\",app=\"a\\\\b\\\"c\\nd\"} 1\n", MetricsWriter.Render(snapshot));
    }

    [Fact]
    public void The_order_of_the_input_does_not_change_the_text()
    {
        var offsite = new RepositoryMetrics { Name = "offsite", Id = "99", Snapshots = 3, Apps = [new AppMetrics { App = "sonarr", Snapshots = 1 }, Plex()] };
        var primary = Snapshot().Repositories[0];
        var jobs = new[]
        {
            new JobRunSummary("verify", ["plex"], T0, null, null),
            new JobRunSummary("backup", ["plex", "sonarr"], T0, null, null),
            new JobRunSummary("backup", [], T0, null, null),
        };
        var one = MetricsWriter.Render(new MetricsSnapshot { Repositories = [primary, offsite], Jobs = jobs });
        var other = MetricsWriter.Render(new MetricsSnapshot
        {
            Repositories = [offsite with { Apps = offsite.Apps.Reverse().ToList() }, primary with { Apps = primary.Apps.Reverse().ToList() }],
            Jobs = jobs.Reverse().ToList(),
        });
        Assert.Equal(one, other);
        var lines = one.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // one HELP and one TYPE line per name, names in order
        var names = lines.Where(l => l.StartsWith("# TYPE ")).Select(l => l.Split(' ')[2]).ToList();
        Assert.Equal(names.Distinct().Order(StringComparer.Ordinal), names);
        Assert.Equal(names.Count, lines.Count(l => l.StartsWith("# HELP ")));
        Assert.Contains("lifeboat_job_last_start_timestamp_seconds{job=\"backup\",apps=\"plex,sonarr\"} 1800000000.25", lines);
        Assert.Contains("lifeboat_app_snapshots{repository=\"offsite\",app=\"plex\"} 7", lines);
    }

    [Fact]
    public void What_is_not_known_is_left_out()
    {
        Assert.Equal("", MetricsWriter.Render(new MetricsSnapshot()));
        var text = MetricsWriter.Render(new MetricsSnapshot { Repositories = [new RepositoryMetrics { Name = "primary", Apps = [new AppMetrics { App = "plex" }] }] });
        Assert.Equal("", text);
        var failed = new AppMetrics
        {
            App = "plex",
            LastBackup = new BackupRunRecord { Time = T0, App = "plex", Host = "h", Outcome = BackupRunRecord.Failed, Error = "x" },
        };
        text = MetricsWriter.Render(new MetricsSnapshot { Repositories = [new RepositoryMetrics { Name = "primary", Apps = [failed] }] });
        Assert.Contains("lifeboat_backup_last_outcome{repository=\"primary\",app=\"plex\",outcome=\"failure\"} 1\n", text);
        Assert.DoesNotContain("lifeboat_backup_last_success_timestamp_seconds", text);
        Assert.DoesNotContain("lifeboat_backup_last_files", text); // a record of an older version: not known
    }

    [Fact]
    public void A_series_given_twice_is_refused()
    {
        var twice = new MetricsSnapshot { Repositories = [new RepositoryMetrics { Name = "primary", Packs = 1 }, new RepositoryMetrics { Name = "primary", Packs = 2 }] };
        Assert.Throws<ArgumentException>(() => MetricsWriter.Render(twice));
    }

    [Fact]
    public void The_text_goes_to_any_text_writer()
    {
        using var writer = new StringWriter();
        MetricsWriter.Write(Snapshot(), writer);
        Assert.Equal(MetricsWriter.Render(Snapshot()), writer.ToString());
    }
}
