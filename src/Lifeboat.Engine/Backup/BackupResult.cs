using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Backup;

public sealed record BackupResult(Snapshot Snapshot, Id? SnapshotId, Snapshot? Parent, BackupStatistics Statistics, TimeSpan Duration)
{
    /// <summary>True when some items could not be read (restic's exit code 3).</summary>
    public bool IsPartial => Statistics.Errors > 0;

    /// <summary>--skip-if-unchanged found nothing changed since the parent: no snapshot was saved.</summary>
    public bool Skipped { get; init; }
}
