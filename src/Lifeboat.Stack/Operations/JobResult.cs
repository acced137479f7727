namespace Lifeboat.Stack.Operations;

/// <summary>How one run of a job ended.</summary>
/// <param name="Run">The run, as it started.</param>
/// <param name="FinishedAt">When it ended.</param>
/// <param name="Outcome">Success, warning or failure.</param>
/// <param name="ExitCode">restic's exit code of the job (0, 1, 3, 11, 130 ...).</param>
/// <param name="Summary">One line for a person: what happened, or why it failed. Never holds a secret.</param>
/// <param name="LogTail">The last lines of the job's output (at most a few KiB), for notification bodies. Never holds a secret.</param>
public sealed record JobResult(JobRun Run, DateTimeOffset FinishedAt, JobOutcome Outcome, int ExitCode, string Summary, string LogTail)
{
    public TimeSpan Duration => FinishedAt - Run.StartedAt;
}
