namespace Lifeboat.Stack.Operations.Metrics;

/// <summary>One repository of the stack; a null number is not known to whoever filled it and is left out.</summary>
public sealed record RepositoryMetrics
{
    /// <summary>The label that names it: "primary" or "offsite", never its location (which may hold a secret).</summary>
    public required string Name { get; init; }
    /// <summary>The repository's ID (its config's), which holds no secret.</summary>
    public string? Id { get; init; }
    /// <summary>The total size of its pack files, from its index.</summary>
    public long? SizeBytes { get; init; }
    public long? Packs { get; init; }
    /// <summary>All its snapshots, of any host.</summary>
    public long? Snapshots { get; init; }
    /// <summary>How often a job had to wait for another's lock on it since the daemon started (the daemon counts them).</summary>
    public long? LockWaits { get; init; }
    /// <summary>Jobs waiting for their turn on it (the daemon's queue).</summary>
    public long? QueuedJobs { get; init; }
    public IReadOnlyList<AppMetrics> Apps { get; init; } = [];
}
