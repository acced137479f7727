namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>
/// How a one-shot command's exit code reads as a job outcome: 0 success; 3 (a backup that could not read some
/// files) and 2 (doctor warnings) a warning; anything else a failure (1 fatal, 10 no repository, 11 locked,
/// 12 wrong password, 130 interrupted).
/// </summary>
public static class RunOutcome
{
    public static JobOutcome FromExitCode(int exitCode) => exitCode switch
    {
        0 => JobOutcome.Success,
        2 or 3 => JobOutcome.Warning,
        _ => JobOutcome.Failure,
    };

    /// <summary>One line for the end of a run: what the exit code means.</summary>
    public static string Summary(JobRun run, int exitCode) => exitCode switch
    {
        0 => $"{run.Name} succeeded",
        2 => $"{run.Name} finished with warnings (exit code 2)",
        3 => $"{run.Name} finished, but some files could not be read: the snapshot is partial (exit code 3)",
        10 => $"{run.Name} failed: the repository does not exist (exit code 10)",
        11 => $"{run.Name} failed: the repository is locked (exit code 11)",
        12 => $"{run.Name} failed: wrong password (exit code 12)",
        130 => $"{run.Name} was interrupted (exit code 130)",
        _ => $"{run.Name} failed (exit code {exitCode})",
    };

    /// <summary>
    /// The result of a one-shot run that ended with <paramref name="exitCode"/>. A failure's summary is the command's
    /// own "Fatal: ..." line when its output has one: it says why.
    /// </summary>
    public static JobResult Result(JobRun run, int exitCode, DateTimeOffset finishedAt, string logTail)
    {
        var outcome = FromExitCode(exitCode);
        var summary = Summary(run, exitCode);
        const string fatal = "Fatal: ";
        if (outcome == JobOutcome.Failure && logTail.Split('\n').LastOrDefault(l => l.StartsWith(fatal, StringComparison.Ordinal)) is { } line)
            summary = $"{run.Name} failed: {line[fatal.Length..].Trim()} (exit code {exitCode})";
        return new JobResult(run, finishedAt, outcome, exitCode, summary, logTail);
    }
}
