namespace Lifeboat.Stack.Operations;

/// <summary>One job run as the run history keeps it; <see cref="Outcome"/> is null while it runs (or when it never finished).</summary>
public sealed record JobRunRecord(
    Guid Id,
    string Job,
    IReadOnlyList<string> Apps,
    string Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    JobOutcome? Outcome,
    int? ExitCode,
    string? Summary);
