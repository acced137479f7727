using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations;

/// <summary>
/// Runs each job as a child process of the lifeboat binary in stack mode (lifeboat backup --config FILE [apps]): the
/// job gets exactly the command line's behaviour and clean-up (containers started again, locks released, unfinished
/// packs discarded on SIGTERM), a crash in a job cannot take the daemon down, and its memory returns to the system
/// when it ends. Before the job, lifeboat unlock removes stale locks (as restic's: a lock of this host whose process is
/// gone, or one older than 30 minutes). A job that finds a live lock (exit 11) is retried with a capped backoff until
/// lock-wait has passed. Cancelling sends the child SIGTERM, then SIGKILL after the grace period. After each job, the
/// containers a killed job (or any other Lifeboat process that is gone) left stopped are started again
/// (<see cref="StopLog"/>), said in the daemon's log and the job's.
/// </summary>
public sealed partial class ChildProcessJobExecutor(string binary, string configPath, IDaemonLog log, TimeSpan grace) : IJobExecutor
{
    // restic's exit codes, as the CLI returns them
    public const int LockFailed = 11;
    public const int Interrupted = 130;

    public static readonly TimeSpan FirstLockRetry = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxLockRetry = TimeSpan.FromMinutes(1);

    private sealed record ChildResult(int ExitCode, OutputTail Output, bool Stopped);

    /// <summary>The command line of a job, after the binary: JOB --config FILE [OPTIONS...] [APPS...].</summary>
    public static IReadOnlyList<string> Arguments(ScheduledJob job, string configPath) =>
        [job.Name, "--config", configPath, .. job.Options, .. job.Apps];

    /// <summary>Each line of the running job's output as it comes (stdout false, stderr true): the dashboard's live log. Must not throw.</summary>
    public Action<string, bool>? OutputLine { get; set; }

    private long _lockWaits;

    /// <summary>How often a job found the repository locked by another process and waited, since the daemon started.</summary>
    public long LockWaits => Interlocked.Read(ref _lockWaits);

    /// <summary>Where the jobs record the containers they stop; null: no containers are started after a job.</summary>
    public State.ContainerStopLog? StopLog { get; init; }

    public async Task<JobExecution> RunAsync(ScheduledJob job, ScheduleConfig schedule, CancellationToken cancellationToken)
    {
        var execution = await RunWithLockRetriesAsync(job, schedule, cancellationToken).ConfigureAwait(false);
        if (StopLog is null) return execution;
        // not the daemon's stop token: a job stopped by the daemon's shutdown is exactly when this matters
        var recovered = await Scenarios.StoppedContainerRecovery.RunAsync(StopLog, Scenarios.StackServices.ContainerControlFactory, CancellationToken.None).ConfigureAwait(false);
        if (recovered is null) return execution;
        log.Warn($"{job.Label}: {recovered}");
        return execution with { LogTail = execution.LogTail + recovered + "\n" };
    }

    private async Task<JobExecution> RunWithLockRetriesAsync(ScheduledJob job, ScheduleConfig schedule, CancellationToken cancellationToken)
    {
        await RemoveStaleLocksAsync(job, cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.StartNew();
        var delay = FirstLockRetry;
        while (true)
        {
            var result = await RunChildAsync(Arguments(job, configPath), cancellationToken, OutputLine).ConfigureAwait(false);
            if (result.ExitCode != LockFailed || result.Stopped) return Describe(result);
            var waited = started.Elapsed;
            if (waited >= schedule.LockWait)
            {
                var failed = Describe(result);
                return failed with { Summary = $"the repository stayed locked by another process for {Format(waited)} (lock-wait: {Format(schedule.LockWait)}): {failed.Summary}" };
            }
            var pause = delay < schedule.LockWait - waited ? delay : schedule.LockWait - waited;
            Interlocked.Increment(ref _lockWaits);
            log.Info($"{job.Label}: the repository is locked by another process; trying again in {Format(pause)}");
            try
            {
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new JobExecution(JobOutcome.Failure, Interrupted, "stopped while waiting for another process's lock", result.Output.ToString());
            }
            delay = delay * 2 < MaxLockRetry ? delay * 2 : MaxLockRetry;
        }
    }

    /// <summary>lifeboat unlock -v: removes only stale locks; what it removed is logged, a failure is a warning (the job then says more).</summary>
    private async Task RemoveStaleLocksAsync(ScheduledJob job, CancellationToken cancellationToken)
    {
        var result = await RunChildAsync(["unlock", "--config", configPath, "--verbose"], cancellationToken).ConfigureAwait(false);
        if (result.Stopped) return;
        if (result.ExitCode != 0)
        {
            log.Warn($"{job.Label}: could not look for stale locks: {result.Output.LastFatal ?? result.Output.LastStderr ?? $"unlock exited {result.ExitCode}"}");
            return;
        }
        var match = RemovedLocksPattern().Match(result.Output.ToString());
        if (match.Success && int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) is var removed and > 0)
            log.Info($"{job.Label}: removed {removed} stale lock{(removed == 1 ? "" : "s")} left by a process that is gone");
    }

    [GeneratedRegex(@"(\d+) locks? removed")]
    private static partial Regex RemovedLocksPattern();

    private static JobExecution Describe(ChildResult result)
    {
        var output = result.Output;
        var tail = output.ToString();
        if (result.Stopped)
            return new JobExecution(JobOutcome.Failure, result.ExitCode, $"stopped by the daemon's shutdown (exit {result.ExitCode})", tail);
        // one mapping of exit codes to outcomes for the daemon and one-shot --notify runs
        var outcome = Notifications.RunOutcome.FromExitCode(result.ExitCode);
        return outcome switch
        {
            JobOutcome.Success => new JobExecution(outcome, result.ExitCode, output.LastStdout ?? "done", tail),
            JobOutcome.Warning => new JobExecution(outcome, result.ExitCode,
                output.LastStderr ?? output.LastStdout ?? $"finished with warnings (exit {result.ExitCode})", tail),
            _ => new JobExecution(outcome, result.ExitCode,
                output.LastFatal ?? output.LastStderr ?? $"exited {result.ExitCode}", tail),
        };
    }

    private async Task<ChildResult> RunChildAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken, Action<string, bool>? lines = null)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // a repository in the environment would put the child in restic mode, away from the stack's
        start.Environment.Remove("RESTIC_REPOSITORY");
        start.Environment.Remove("RESTIC_REPOSITORY_FILE");
        // the job stops cleanly when the daemon dies without stopping it
        start.Environment[DaemonParentWatch.EnvironmentVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var output = new OutputTail();
        using var process = Process.Start(start) ?? throw new StackException($"could not start {binary}");
        process.StandardInput.Close(); // a job never waits on a prompt
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, output, isError: false, lines), PumpAsync(process.StandardError, output, isError: true, lines));
        var exited = process.WaitForExitAsync(CancellationToken.None);
        var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool stopped = false;
        using (cancellationToken.Register(() => stopRequested.TrySetResult()))
        {
            if (await Task.WhenAny(exited, stopRequested.Task).ConfigureAwait(false) != exited)
            {
                stopped = true;
                ChildSignal.Send(process.Id, ChildSignal.SigTerm);
                if (await Task.WhenAny(exited, Task.Delay(grace, CancellationToken.None)).ConfigureAwait(false) != exited)
                {
                    log.Warn($"{arguments[0]} did not stop within {Format(grace)} of SIGTERM; killing it");
                    process.Kill(entireProcessTree: true);
                }
            }
        }
        await exited.ConfigureAwait(false);
        await pumps.ConfigureAwait(false);
        return new ChildResult(process.ExitCode, output, stopped);
    }

    private static async Task PumpAsync(StreamReader reader, OutputTail output, bool isError, Action<string, bool>? lines)
    {
        while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            output.Add(line, isError);
            lines?.Invoke(line, isError);
        }
    }

    public static string Format(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes:D2}m"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m{span.Seconds:D2}s"
        : $"{Math.Max(0, (int)Math.Ceiling(span.TotalSeconds))}s";
}
