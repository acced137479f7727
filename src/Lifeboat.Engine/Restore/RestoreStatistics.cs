namespace Lifeboat.Engine.Restore;

/// <summary>Live counters of a running restore, read by a progress renderer.</summary>
public sealed class RestoreStatistics
{
    public long TotalFiles;
    public long TotalBytes;
    public long FilesDone;
    public long BytesDone;
    public long Errors;

    /// <summary>Wall time of each stage, for --verbose: where a restore spends its time.</summary>
    public TimeSpan PlanTime, ContentTime, MetadataTime;
}
