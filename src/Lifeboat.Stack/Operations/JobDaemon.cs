using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations;

/// <summary>
/// Runs a schedule: a clock that queues each job when it comes due, and one worker that runs the queued jobs in order,
/// so two jobs never touch the repository at once. At start-up a job whose last start (from the run history) lies
/// before its latest due time is queued once (catch-up), however many runs were missed; a job that never ran has
/// missed nothing. Stopping (SIGTERM) stops the clock and cancels the running job, which the executor turns into a
/// clean stop of its process; <see cref="RunAsync"/> then returns. <see cref="Reload"/> swaps in a new schedule (SIGHUP).
/// </summary>
public sealed class JobDaemon(ScheduleConfig schedule, IJobExecutor executor, IReadOnlyList<IJobEventSink> sinks,
    JobRunLog? history, IDaemonLog log, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly JobQueue _queue = new();
    private readonly object _gate = new();
    private ScheduleConfig _schedule = schedule;
    private Dictionary<ScheduledJob, DateTimeOffset?> _nextDue = [];
    private CancellationTokenSource _reloaded = new();
    private JobRun? _running;

    public ScheduleConfig Schedule
    {
        get { lock (_gate) return _schedule; }
    }

    public DaemonStatus Status()
    {
        lock (_gate)
        {
            return new DaemonStatus(_running, _queue.Snapshot().Select(q => q.Job.Label).ToList(),
                _schedule.Jobs.Select(j => (j.Label, _nextDue.GetValueOrDefault(j))).ToList());
        }
    }

    /// <summary>
    /// Queues a job asked for now (the dashboard's "back up now") behind the running job and those waiting, as a
    /// scheduled one would be; false when the same job is already waiting.
    /// </summary>
    /// <param name="trigger">Why it runs, as the run history records it ("dashboard").</param>
    public bool Enqueue(JobKind kind, IReadOnlyList<string> apps, string trigger) => Enqueue(kind, apps, [], trigger);

    /// <inheritdoc cref="Enqueue(JobKind, IReadOnlyList{string}, string)"/>
    /// <param name="options">The job's own options (a restore's --snapshot, --path, --target), before its apps.</param>
    public bool Enqueue(JobKind kind, IReadOnlyList<string> apps, IReadOnlyList<string> options, string trigger) =>
        _queue.TryEnqueue(new QueuedJob(new ScheduledJob(kind, OnDemand, NeverDue, apps, Line: 0) { Options = options }, trigger, _time.GetUtcNow()));

    private const string OnDemand = "on demand";
    // a job asked for now has no schedule: its expression is never consulted (only schedule.Jobs are timed)
    private static readonly Cronos.CronExpression NeverDue = Cronos.CronExpression.Parse("0 0 1 1 *");

    /// <summary>Takes a new schedule from now on; jobs already queued still run.</summary>
    public void Reload(ScheduleConfig schedule)
    {
        CancellationTokenSource previous;
        lock (_gate)
        {
            _schedule = schedule;
            previous = _reloaded;
            _reloaded = new CancellationTokenSource();
        }
        previous.Cancel(); // wakes the clock, which computes the new due times
        previous.Dispose();
    }

    /// <summary>Runs until <paramref name="stop"/>: the running job is then stopped cleanly and reported.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        CatchUp();
        var clock = ClockAsync(stop);
        var worker = WorkerAsync(stop);
        await Task.WhenAll(clock, worker).ConfigureAwait(false);
    }

    private void CatchUp()
    {
        var schedule = Schedule;
        if (!schedule.CatchUp || history is null) return;
        var now = _time.GetUtcNow();
        var missed = new List<(ScheduledJob Job, DateTimeOffset Due)>();
        foreach (var job in schedule.Jobs)
        {
            DateTimeOffset? last;
            try
            {
                last = history.LastStarted(job.Kind, job.Apps);
            }
            catch (Exception e) when (e is StackException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
            {
                log.Warn($"cannot read the run history for catch-up: {e.Message}");
                return;
            }
            if (last is null) continue;
            if (job.NextAfter(last.Value, schedule.TimeZone) is { } due && due <= now) missed.Add((job, due));
        }
        foreach (var (job, due) in missed.OrderBy(m => m.Due))
        {
            log.Info($"{job.Label}: missed its run at {due.ToOffset(schedule.TimeZone.GetUtcOffset(due)):yyyy-MM-dd HH:mm:ss zzz}; running it now (catch-up)");
            _queue.TryEnqueue(new QueuedJob(job, "catch-up", now));
        }
    }

    /// <summary>Queues each job when it comes due; after a reload, due times are computed again from now.</summary>
    private async Task ClockAsync(CancellationToken stop)
    {
        ScheduleConfig? current = null;
        while (!stop.IsCancellationRequested)
        {
            ScheduleConfig schedule;
            CancellationToken reloaded;
            lock (_gate)
            {
                schedule = _schedule;
                reloaded = _reloaded.Token;
                if (!ReferenceEquals(schedule, current))
                {
                    var now = _time.GetUtcNow();
                    _nextDue = schedule.Jobs.ToDictionary(j => j, j => j.NextAfter(now, schedule.TimeZone), ReferenceEqualityComparer.Instance as IEqualityComparer<ScheduledJob>);
                    current = schedule;
                }
            }
            var dueNow = new List<ScheduledJob>();
            DateTimeOffset? earliest = null;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                foreach (var job in schedule.Jobs)
                {
                    if (_nextDue[job] is not { } due) continue;
                    if (due <= now)
                    {
                        dueNow.Add(job);
                        // a clock that fell behind (a suspended machine) runs the job once, not once per missed time
                        _nextDue[job] = job.NextAfter(now > due ? now : due, schedule.TimeZone);
                    }
                    if (_nextDue[job] is { } next && (earliest is null || next < earliest)) earliest = next;
                }
            }
            foreach (var job in dueNow)
            {
                if (!_queue.TryEnqueue(new QueuedJob(job, "schedule", _time.GetUtcNow())))
                    log.Info($"{job.Label}: due again while still waiting in the queue; it runs once");
            }
            var wait = earliest is { } at ? at - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
            if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            // long waits are cut into hours so that a wall clock set forward is noticed
            if (wait == Timeout.InfiniteTimeSpan || wait > TimeSpan.FromHours(1)) wait = TimeSpan.FromHours(1);
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stop, reloaded);
            try
            {
                await Task.Delay(wait, _time, wake.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task WorkerAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            QueuedJob next;
            try
            {
                next = await _queue.DequeueAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await RunOneAsync(next, stop).ConfigureAwait(false);
        }
    }

    private async Task RunOneAsync(QueuedJob queued, CancellationToken stop)
    {
        var job = queued.Job;
        var run = new JobRun(Guid.NewGuid(), job.Kind, job.Apps, queued.Trigger, _time.GetUtcNow());
        lock (_gate) _running = run;
        foreach (var sink in sinks) await Notify(() => sink.JobStartedAsync(run, CancellationToken.None)).ConfigureAwait(false);
        JobExecution execution;
        try
        {
            execution = await executor.RunAsync(job, Schedule, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // the daemon outlives any one job: a job that could not even start is a failure, not a crash
            execution = new JobExecution(JobOutcome.Failure, 1, $"could not run the job: {e.Message}", "");
        }
        catch (OperationCanceledException)
        {
            execution = new JobExecution(JobOutcome.Failure, 130, "stopped by the daemon's shutdown", "");
        }
        var result = new JobResult(run, _time.GetUtcNow(), execution.Outcome, execution.ExitCode, execution.Summary, execution.LogTail);
        foreach (var sink in sinks) await Notify(() => sink.JobFinishedAsync(result, CancellationToken.None)).ConfigureAwait(false);
        lock (_gate) _running = null;
    }

    private async Task Notify(Func<Task> send)
    {
        try
        {
            await send().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // a sink should never throw; if one does, the job and the other sinks go on
            log.Warn($"a job event could not be delivered: {e.Message}");
        }
    }
}
