namespace Lifeboat.Stack.Operations;

/// <summary>One run of a job, as it starts: by the daemon's schedule, a catch-up at start-up, or a one-shot CLI run.</summary>
/// <param name="Id">Unique per run; the start and finish events of one run share it.</param>
/// <param name="Kind">Which job.</param>
/// <param name="Apps">The apps the job covers; empty means every app of the stack.</param>
/// <param name="Trigger">"schedule", "catch-up" or "cli".</param>
/// <param name="StartedAt">When it started.</param>
public sealed record JobRun(Guid Id, JobKind Kind, IReadOnlyList<string> Apps, string Trigger, DateTimeOffset StartedAt)
{
    /// <summary>The job's name as lifeboat.yaml spells it: backup, forget, prune, check, verify.</summary>
    public string Name => Kind.ToString().ToLowerInvariant();
}
