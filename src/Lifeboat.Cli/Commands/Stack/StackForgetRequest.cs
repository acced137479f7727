using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>What `forget` was asked in stack mode, parsed by ForgetCommand.</summary>
public sealed record StackForgetRequest
{
    public IReadOnlyList<string> Apps { get; init; } = [];
    /// <summary>--keep-* flags given: they replace the config's retention for the selected apps.</summary>
    public ForgetPolicy? CommandLinePolicy { get; init; }
    /// <summary>An explicit --group-by; null for the stack's default (by host, within each app).</summary>
    public ForgetGrouping? Grouping { get; init; }
    public SnapshotFilter Filter { get; init; } = new();
    public bool Compact { get; init; }
    public bool DryRun { get; init; }
    public bool Prune { get; init; }
    public required PruneOptions PruneOptions { get; init; }
    /// <summary>--skip-offsite: apply the retention to the primary repository only.</summary>
    public bool SkipOffsite { get; init; }
}
