namespace Lifeboat.Stack.Operations;

/// <summary>How a job's process ended, before it becomes a <see cref="JobResult"/>.</summary>
/// <param name="Outcome">Success, warning or failure.</param>
/// <param name="ExitCode">The child's exit code (restic's codes).</param>
/// <param name="Summary">One line for a person.</param>
/// <param name="LogTail">The last few KiB of the job's output.</param>
public sealed record JobExecution(JobOutcome Outcome, int ExitCode, string Summary, string LogTail);
