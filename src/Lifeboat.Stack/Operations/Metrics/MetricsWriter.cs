using System.Globalization;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Stack.Operations.Metrics;

/// <summary>
/// Renders a <see cref="MetricsSnapshot"/> as Prometheus text (exposition format 0.0.4), the same for the daemon's
/// /metrics and a CLI run's --metrics-file. Names follow Prometheus's conventions: lifeboat_ first, the unit last
/// (_seconds, _bytes), counters in _total, times as Unix seconds (an age is time() minus one in a query). Labels hold
/// no secret: apps, jobs, and repositories by role ("primary", "offsite") and ID, never by location.
/// </summary>
public static class MetricsWriter
{
    /// <summary>The Content-Type of the text, for an HTTP response.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The outcome label's values, the same for backups and jobs: a warning (a partial backup) is no failure.</summary>
    private static readonly string[] Outcomes = ["success", "warning", "failure"];

    public static string Render(MetricsSnapshot snapshot)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(snapshot, writer);
        return writer.ToString();
    }

    public static void Write(MetricsSnapshot snapshot, TextWriter writer)
    {
        var families = new MetricFamilies();
        foreach (var repository in snapshot.Repositories) AddRepository(families, repository);
        foreach (var job in snapshot.Jobs) AddJob(families, job);
        families.WriteTo(writer);
    }

    private static void AddRepository(MetricFamilies m, RepositoryMetrics r)
    {
        var repo = ("repository", r.Name);
        if (r.Id is { } id) m.Gauge("lifeboat_repository_info", "The repository's ID; always 1", 1, repo, ("id", id));
        if (r.SizeBytes is { } size) m.Gauge("lifeboat_repository_size_bytes", "Total size of the repository's pack files, from its index", size, repo);
        if (r.Packs is { } packs) m.Gauge("lifeboat_repository_packs", "Pack files in the repository, from its index", packs, repo);
        if (r.Snapshots is { } snapshots) m.Gauge("lifeboat_repository_snapshots", "Snapshots in the repository, of every host", snapshots, repo);
        if (r.LockWaits is { } waits) m.Counter("lifeboat_repository_lock_waits_total", "Times a job waited for a lock held by another on the repository", waits, repo);
        if (r.QueuedJobs is { } queued) m.Gauge("lifeboat_job_queue_length", "Jobs waiting for their turn on the repository", queued, repo);
        foreach (var app in r.Apps) AddApp(m, r.Name, app);
    }

    private static void AddApp(MetricFamilies m, string repository, AppMetrics a)
    {
        (string, string)[] labels = [("repository", repository), ("app", a.App)];
        if (a.Snapshots is { } snapshots) m.Gauge("lifeboat_app_snapshots", "The app's snapshots in the repository (of the stack's host)", snapshots, labels);
        if (a.LastSuccess is { } success)
            m.Gauge("lifeboat_backup_last_success_timestamp_seconds", "When the app's last complete backup finished", Seconds(success), labels);
        if (a.LastBackup is { } run)
        {
            m.Gauge("lifeboat_backup_last_run_timestamp_seconds", "When the app's last backup run finished, whatever its outcome", Seconds(run.Time), labels);
            var outcome = run.Outcome switch
            {
                BackupRunRecord.Ok => "success",
                BackupRunRecord.Partial => "warning",
                _ => "failure",
            };
            foreach (var o in Outcomes)
                m.Gauge("lifeboat_backup_last_outcome", "The outcome of the app's last backup run: 1 for its outcome (warning: a partial snapshot), 0 for the others",
                    o == outcome ? 1 : 0, [.. labels, ("outcome", o)]);
            m.Gauge("lifeboat_backup_last_duration_seconds", "How long the app's last backup run took", run.DurationSeconds, labels);
            if (run.Files is { } files) m.Gauge("lifeboat_backup_last_files", "Files in the snapshot of the app's last backup run (0 when it failed)", files, labels);
            if (run.BytesAdded is { } added) m.Gauge("lifeboat_backup_last_added_bytes", "New data the app's last backup run added to the repository, before compression", added, labels);
        }
        if (a.LastRestoreTest is { } test)
        {
            m.Gauge("lifeboat_restore_test_last_passed", "Whether the app's last restore test (lifeboat verify) passed: 1 or 0", test.Passed ? 1 : 0, labels);
            m.Gauge("lifeboat_restore_test_last_timestamp_seconds", "When the app's last restore test finished", Seconds(test.Time), labels);
            m.Gauge("lifeboat_restore_test_last_duration_seconds", "How long the app's last restore test took", test.DurationSeconds, labels);
        }
    }

    private static void AddJob(MetricFamilies m, JobRunSummary job)
    {
        (string, string)[] labels = [("job", job.Job), ("apps", JobRunLog.AppsKey(job.Apps))];
        m.Gauge("lifeboat_job_last_start_timestamp_seconds", "When a run of the job last started (apps: the apps it names, empty for all)", Seconds(job.LastStarted), labels);
        if (job.LastSuccess is { } success)
            m.Gauge("lifeboat_job_last_success_timestamp_seconds", "When a run of the job last finished with success", Seconds(success), labels);
        if (job.LastFinished is { Outcome: { } outcome, FinishedAt: { } finished } last)
        {
            var name = outcome.ToString().ToLowerInvariant();
            foreach (var o in Outcomes)
                m.Gauge("lifeboat_job_last_outcome", "The outcome of the job's last finished run: 1 for its outcome, 0 for the others", o == name ? 1 : 0, [.. labels, ("outcome", o)]);
            m.Gauge("lifeboat_job_last_finish_timestamp_seconds", "When the job's last finished run ended", Seconds(finished), labels);
            m.Gauge("lifeboat_job_last_duration_seconds", "How long the job's last finished run took", (finished - last.StartedAt).TotalSeconds, labels);
        }
    }

    private static double Seconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;
}
