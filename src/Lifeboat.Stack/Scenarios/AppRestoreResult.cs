using Lifeboat.Engine.Model;
using Lifeboat.Stack.Consistency;
using Lifeboat.Stack.Dumps;

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
    /// <summary>Items in place that the snapshot does not have, removed (--delete).</summary>
    public int Removed { get; init; }
    /// <summary>The live -wal/-shm/-journal files of the SQLite databases the restore replaced: removed, with or without --delete.</summary>
    public IReadOnlyList<StaleSqliteFile> StaleSqliteFiles { get; init; } = [];
    /// <summary>False for --dumps-only: the files were left alone.</summary>
    public bool FilesRestored { get; init; } = true;
    /// <summary>The snapshot's dumps loaded (or not) after the files.</summary>
    public IReadOnlyList<DumpLoadResult> Dumps { get; init; } = [];
}
