namespace Lifeboat.Stack.Operations.Metrics;

/// <summary>
/// Everything the metrics tell, as plain data: <see cref="MetricsWriter"/> renders it, <see cref="MetricsCollector"/>
/// fills it after a CLI run, and the daemon fills it (with its lock waits and queue) for /metrics.
/// </summary>
public sealed record MetricsSnapshot
{
    /// <summary>The repositories known to this run: the primary, and the offsite one when it was opened.</summary>
    public IReadOnlyList<RepositoryMetrics> Repositories { get; init; } = [];

    /// <summary>The stack's jobs as the run history knows them.</summary>
    public IReadOnlyList<JobRunSummary> Jobs { get; init; } = [];
}
