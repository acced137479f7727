using Lifeboat.Engine.Model;

namespace Lifeboat.Stack.Scenarios;

/// <summary>What one app's restore did.</summary>
public sealed record AppRestoreResult
{
    public required string App { get; init; }
    public required Snapshot Snapshot { get; init; }
    /// <summary>Where the app's paths went (the original paths for an in-place restore).</summary>
    public required IReadOnlyList<string> Destinations { get; init; }
    /// <summary>Files and other non-directory items restored (as the engine counts them).</summary>
    public long Items { get; init; }
    public long Bytes { get; init; }
    /// <summary>Items in place that the snapshot does not have, removed (--delete, or stale SQLite journals).</summary>
    public int Removed { get; init; }
}
