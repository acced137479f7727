namespace Lifeboat.Stack.Hooks;

/// <summary>What a hook is told about the job it runs around, through LIFEBOAT_* environment variables.</summary>
public sealed record HookScope
{
    /// <summary>backup or restore.</summary>
    public required string Operation { get; init; }
    /// <summary>The app of a per-app hook; null for the stack's own hooks.</summary>
    public string? App { get; init; }
    /// <summary>The apps of the run, for the stack's own hooks.</summary>
    public IReadOnlyList<string> Apps { get; init; } = [];
    /// <summary>The full ID of the snapshot saved or restored, when there is one.</summary>
    public string? SnapshotId { get; init; }
    /// <summary>success, warning or failure; null before the job ran.</summary>
    public string? Outcome { get; init; }
    /// <summary>The failure's one line, for on-failure and finally hooks after a failure.</summary>
    public string? Error { get; init; }

    public const string Success = "success";
    public const string Warning = "warning";
    public const string Failure = "failure";
}
