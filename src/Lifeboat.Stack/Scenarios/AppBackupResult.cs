using Lifeboat.Engine;
using Lifeboat.Engine.Backup;

namespace Lifeboat.Stack.Scenarios;

/// <summary>How one app's backup went: a snapshot (maybe partial), or the one-line reason it failed.</summary>
public sealed record AppBackupResult
{
    public required string App { get; init; }
    public Id? SnapshotId { get; init; }
    /// <summary>The archiver's result; null when the app failed.</summary>
    public BackupResult? Backup { get; init; }
    /// <summary>Why the app failed, in one line; null when it has a snapshot.</summary>
    public string? Error { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>What the user should know though the backup went on: a container that cannot be found, Docker not reachable.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>The app's containers that were not running before the backup and were left so.</summary>
    public IReadOnlyList<string> ContainersLeftStopped { get; init; } = [];

    public bool Failed => Error is not null;
    /// <summary>A snapshot was saved, but some items could not be read (restic's exit code 3).</summary>
    public bool IsPartial => Backup?.IsPartial ?? false;
    public long Files => Backup is { Statistics: var s } ? s.FilesNew + s.FilesChanged + s.FilesUnmodified : 0;
    public long BytesAdded => Backup?.Statistics.DataAdded ?? 0;
}
