using Lifeboat.Stack.Operations;
using Lifeboat.Stack.State;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

public sealed class JobRunLogTests
{
    private static JobRun Run(JobKind kind, DateTimeOffset at, params string[] apps) => new(Guid.NewGuid(), kind, apps, "schedule", at);

    [Fact]
    public async Task A_run_is_visible_while_it_runs_and_complete_after_it_ends()
    {
        using var dir = new TempDirectory();
        var log = new JobRunLog(new StateDatabase(dir.Path), "/srv/stack/lifeboat.yaml");
        var started = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var run = Run(JobKind.Backup, started, "sonarr", "plex");
        await log.JobStartedAsync(run, TestContext.Current.CancellationToken);

        var running = Assert.Single(log.Recent(10));
        Assert.Null(running.Outcome);
        Assert.Equal(["plex", "sonarr"], running.Apps);

        await log.JobFinishedAsync(new JobResult(run, started.AddMinutes(3), JobOutcome.Warning, 3, "2 files could not be read", "tail"), TestContext.Current.CancellationToken);
        var done = Assert.Single(log.Recent(10));
        Assert.Equal(JobOutcome.Warning, done.Outcome);
        Assert.Equal(3, done.ExitCode);
        Assert.Equal(started.AddMinutes(3), done.FinishedAt);
    }

    [Fact]
    public async Task Last_started_tells_jobs_apps_and_stacks_apart_and_survives_reopening()
    {
        using var dir = new TempDirectory();
        var t0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var log = new JobRunLog(new StateDatabase(dir.Path), "/a/lifeboat.yaml");
        var other = new JobRunLog(new StateDatabase(dir.Path), "/b/lifeboat.yaml");
        await log.JobStartedAsync(Run(JobKind.Backup, t0), TestContext.Current.CancellationToken);
        await log.JobStartedAsync(Run(JobKind.Backup, t0.AddHours(24)), TestContext.Current.CancellationToken);
        await log.JobStartedAsync(Run(JobKind.Verify, t0.AddHours(30), "plex"), TestContext.Current.CancellationToken);
        await other.JobStartedAsync(Run(JobKind.Backup, t0.AddHours(48)), TestContext.Current.CancellationToken);

        var reopened = new JobRunLog(new StateDatabase(dir.Path), "/a/lifeboat.yaml");
        Assert.Equal(t0.AddHours(24), reopened.LastStarted(JobKind.Backup, []));
        Assert.Equal(t0.AddHours(30), reopened.LastStarted(JobKind.Verify, ["plex"]));
        Assert.Null(reopened.LastStarted(JobKind.Verify, []));
        Assert.Null(reopened.LastStarted(JobKind.Prune, []));
    }

    [Fact]
    public async Task A_damaged_database_is_reported_and_never_fails_the_job()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(Path.Combine(dir.Path, StateDatabase.FileName), new string('x', 4096));
        var warnings = new List<string>();
        var log = new JobRunLog(new StateDatabase(dir.Path), "/a/lifeboat.yaml", warnings.Add);
        await log.JobStartedAsync(Run(JobKind.Backup, DateTimeOffset.UtcNow), TestContext.Current.CancellationToken);
        var warning = Assert.Single(warnings);
        Assert.Contains(StateDatabase.FileName, warning);
        Assert.Contains("move it aside", warning);
        var e = Assert.Throws<StackException>(() => log.Recent(1));
        Assert.Contains(dir.Path, e.Message);
    }
}
