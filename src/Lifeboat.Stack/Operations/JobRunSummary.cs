namespace Lifeboat.Stack.Operations;

/// <summary>What the run history tells of one job (with exactly these apps): for the metrics and the dashboard.</summary>
/// <param name="Job">The job's name: backup, forget, prune, check, verify.</param>
/// <param name="Apps">The apps of its runs; empty for every app.</param>
/// <param name="LastStarted">When a run of it last started (it may still run, or never have finished).</param>
/// <param name="LastFinished">Its newest run that finished, or null.</param>
/// <param name="LastSuccess">When a run of it last finished with success, or null.</param>
public sealed record JobRunSummary(string Job, IReadOnlyList<string> Apps, DateTimeOffset LastStarted, JobRunRecord? LastFinished, DateTimeOffset? LastSuccess);
