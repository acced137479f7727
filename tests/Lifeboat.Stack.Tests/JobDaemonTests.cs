using System.Collections.Concurrent;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Operations;
using Lifeboat.Stack.State;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>The daemon's clock, queue and worker with a stand-in for the job processes, on schedules in seconds.</summary>
public sealed class JobDaemonTests
{
    private static ScheduleConfig Schedule(string yaml) => StackConfigParser.Parse($"""
        repository: /srv/backup
        password-file: /etc/lifeboat/password
        apps:
          plex:
            paths: [/mnt/plexdata]
        {yaml}
        """, "lifeboat.yaml", "/etc/lifeboat", "media-vm").Schedule!;

    /// <summary>Takes <c>duration</c> per job (or until cancelled) and records what ran, and whether two ever overlapped.</summary>
    private sealed class SlowExecutor(TimeSpan duration) : IJobExecutor
    {
        private int _running;
        public int MostAtOnce;
        public readonly ConcurrentQueue<string> Started = new();
        public readonly ConcurrentQueue<bool> Cancelled = new();

        public async Task<JobExecution> RunAsync(ScheduledJob job, ScheduleConfig schedule, CancellationToken cancellationToken)
        {
            int now = Interlocked.Increment(ref _running);
            InterlockedMax(ref MostAtOnce, now);
            Started.Enqueue(job.Label);
            try
            {
                await Task.Delay(duration, cancellationToken);
                return new JobExecution(JobOutcome.Success, 0, "done", "");
            }
            catch (OperationCanceledException)
            {
                Cancelled.Enqueue(true);
                return new JobExecution(JobOutcome.Failure, 130, "stopped", "");
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }
    }

    private sealed class RecordingSink : IJobEventSink, IDaemonLog
    {
        public readonly ConcurrentQueue<JobRun> Starts = new();
        public readonly ConcurrentQueue<JobResult> Ends = new();
        public readonly ConcurrentQueue<string> Messages = new();

        public Task JobStartedAsync(JobRun run, CancellationToken cancellationToken)
        {
            Starts.Enqueue(run);
            return Task.CompletedTask;
        }

        public Task JobFinishedAsync(JobResult result, CancellationToken cancellationToken)
        {
            Ends.Enqueue(result);
            return Task.CompletedTask;
        }

        public void Info(string message) => Messages.Enqueue(message);

        public void Warn(string message) => Messages.Enqueue("warning: " + message);
    }

    private static async Task RunFor(JobDaemon daemon, TimeSpan time, Action? midway = null)
    {
        using var stop = new CancellationTokenSource();
        var running = daemon.RunAsync(stop.Token);
        if (midway is not null)
        {
            await Task.Delay(time / 2, TestContext.Current.CancellationToken);
            midway();
            await Task.Delay(time / 2, TestContext.Current.CancellationToken);
        }
        else await Task.Delay(time, TestContext.Current.CancellationToken);
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_job_due_while_another_runs_waits_once_and_jobs_never_overlap()
    {
        // both due every second; each run takes 1.5 s: without the queue they would overlap, without the
        // once-only rule the queue would grow by two jobs a second
        var executor = new SlowExecutor(TimeSpan.FromSeconds(1.5));
        var sink = new RecordingSink();
        var daemon = new JobDaemon(Schedule("schedule: { backup: \"* * * * * *\", check: \"* * * * * *\" }"), executor, [sink], null, sink);
        await RunFor(daemon, TimeSpan.FromSeconds(6.2));

        Assert.Equal(1, executor.MostAtOnce);
        // 6 s hold four runs of 1.5 s: they alternate, since each job waits at most once
        var started = executor.Started.ToList();
        Assert.InRange(started.Count, 4, 5);
        for (int i = 1; i < started.Count; i++) Assert.NotEqual(started[i - 1], started[i]);
        Assert.Contains(sink.Messages, m => m.Contains("due again while still waiting in the queue; it runs once"));
        Assert.Equal(sink.Starts.Count, sink.Ends.Count);
        Assert.All(sink.Starts, s => Assert.Equal("schedule", s.Trigger));
    }

    [Fact]
    public async Task A_run_missed_while_stopped_runs_once_at_start_up_and_a_job_that_never_ran_does_not()
    {
        using var dir = new TempDirectory();
        var history = new JobRunLog(new StateDatabase(dir.Path), "/etc/lifeboat/lifeboat.yaml");
        // the nightly backup last ran four days ago: three runs were missed, one catch-up is due
        history.RecordStart(new JobRun(Guid.NewGuid(), JobKind.Backup, [], "schedule", DateTimeOffset.UtcNow.AddDays(-4)));
        // the weekly check ran yesterday: nothing missed
        history.RecordStart(new JobRun(Guid.NewGuid(), JobKind.Prune, [], "schedule", DateTimeOffset.UtcNow.AddMinutes(-1)));
        var executor = new SlowExecutor(TimeSpan.FromMilliseconds(100));
        var sink = new RecordingSink();
        var daemon = new JobDaemon(Schedule("""
            schedule:
              backup: "0 3 * * *"
              prune: "0 4 1 1 *"
              verify: "0 5 * * *"
            """), executor, [sink, history], history, sink);
        await RunFor(daemon, TimeSpan.FromSeconds(1.5));

        var run = Assert.Single(sink.Starts);
        Assert.Equal((JobKind.Backup, "catch-up"), (run.Kind, run.Trigger));
        Assert.Contains(sink.Messages, m => m.StartsWith("backup: missed its run at", StringComparison.Ordinal));
        // and the history now says it ran: a second start catches up nothing
        var again = new RecordingSink();
        await RunFor(new JobDaemon(daemon.Schedule, executor, [again], history, again), TimeSpan.FromSeconds(1));
        Assert.Empty(again.Starts);
    }

    [Fact]
    public async Task Catch_up_off_runs_nothing_at_start_up()
    {
        using var dir = new TempDirectory();
        var history = new JobRunLog(new StateDatabase(dir.Path), "/etc/lifeboat/lifeboat.yaml");
        history.RecordStart(new JobRun(Guid.NewGuid(), JobKind.Backup, [], "schedule", DateTimeOffset.UtcNow.AddDays(-4)));
        var sink = new RecordingSink();
        var daemon = new JobDaemon(Schedule("schedule: { catch-up: false, backup: \"0 3 * * *\" }"), new SlowExecutor(TimeSpan.Zero), [sink], history, sink);
        await RunFor(daemon, TimeSpan.FromSeconds(1));
        Assert.Empty(sink.Starts);
    }

    [Fact]
    public async Task A_reloaded_schedule_replaces_the_old_one()
    {
        var executor = new SlowExecutor(TimeSpan.FromMilliseconds(50));
        var sink = new RecordingSink();
        var daemon = new JobDaemon(Schedule("schedule: { backup: \"* * * * * *\" }"), executor, [sink], null, sink);
        int beforeReload = 0;
        await RunFor(daemon, TimeSpan.FromSeconds(5), () =>
        {
            beforeReload = sink.Starts.Count;
            daemon.Reload(Schedule("schedule: { check: \"* * * * * *\" }"));
        });
        var kinds = sink.Starts.Select(s => s.Kind).ToList();
        Assert.True(beforeReload >= 1, "the first schedule ran");
        Assert.All(kinds.Take(beforeReload), k => Assert.Equal(JobKind.Backup, k));
        // at most one backup that was already queued at the reload, then only checks
        Assert.True(kinds.Skip(beforeReload + 1).All(k => k == JobKind.Check), string.Join(",", kinds));
        Assert.Contains(JobKind.Check, kinds);
    }

    [Fact]
    public async Task Stopping_cancels_the_running_job_reports_its_end_and_returns()
    {
        var executor = new SlowExecutor(TimeSpan.FromMinutes(5));
        var sink = new RecordingSink();
        var daemon = new JobDaemon(Schedule("schedule: { backup: \"* * * * * *\" }"), executor, [sink], null, sink);
        await RunFor(daemon, TimeSpan.FromSeconds(2));
        Assert.Single(executor.Cancelled);
        var end = Assert.Single(sink.Ends);
        Assert.Equal(JobOutcome.Failure, end.Outcome);
        Assert.Single(sink.Starts);
    }

    [Fact]
    public void Status_names_the_next_runs_as_json()
    {
        var sink = new RecordingSink();
        var daemon = new JobDaemon(Schedule("schedule: { backup: \"0 3 * * *\" }"), new SlowExecutor(TimeSpan.Zero), [sink], null, sink);
        var json = System.Text.Json.JsonDocument.Parse(daemon.Status().ToJson()).RootElement;
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Equal(0, json.GetProperty("queue_length").GetInt32());
        Assert.Equal("backup", json.GetProperty("next_runs")[0].GetProperty("job").GetString());
    }

    [Fact]
    public async Task A_job_asked_for_now_is_queued_once_and_runs_with_its_trigger_behind_the_schedule()
    {
        // the dashboard's "back up now": no schedule of its own, queued like a scheduled job, never twice while waiting
        var executor = new SlowExecutor(TimeSpan.FromMilliseconds(300));
        var sink = new RecordingSink();
        var daemon = new JobDaemon(new ScheduleConfig { TimeZone = TimeZoneInfo.Utc, CatchUp = false, Jobs = [] }, executor, [sink], null, sink);
        Assert.True(daemon.Enqueue(JobKind.Backup, ["plex"], "dashboard"));
        Assert.False(daemon.Enqueue(JobKind.Backup, ["plex"], "dashboard"));
        Assert.Equal(["backup plex"], daemon.Status().Queued);
        await RunFor(daemon, TimeSpan.FromSeconds(1.5));

        Assert.Equal(["backup plex"], executor.Started);
        var run = Assert.Single(sink.Starts);
        Assert.Equal(("dashboard", JobKind.Backup), (run.Trigger, run.Kind));
        Assert.Equal(["plex"], run.Apps);
        Assert.Equal(JobOutcome.Success, Assert.Single(sink.Ends).Outcome);
    }
}
