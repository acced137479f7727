namespace Lifeboat.Stack.Operations;

/// <summary>
/// Receives the start and the end of every job run: the daemon's log lines, the run history, notifications and
/// metrics are each one sink. A sink handles its own failures (logs them) and never throws into the job: a
/// notification that cannot be delivered must not fail a backup.
/// </summary>
public interface IJobEventSink
{
    Task JobStartedAsync(JobRun run, CancellationToken cancellationToken);

    Task JobFinishedAsync(JobResult result, CancellationToken cancellationToken);
}
