namespace Lifeboat.Engine.Restore;

/// <summary>Live counters of a running restore, read by a progress renderer.</summary>
public sealed class RestoreStatistics
{
    public long TotalFiles;
    public long TotalBytes;
    public long FilesDone;
    public long BytesDone;
    public long Errors;
    /// <summary>Items left as they were (by the overwrite setting, or a file already equal to the snapshot's), and their size.</summary>
    public long FilesSkipped;
    public long BytesSkipped;
    /// <summary>Items removed from the target by <see cref="RestoreOptions.Delete"/> (a directory counts once).</summary>
    public long FilesDeleted;

    /// <summary>Wall time of each stage, for --verbose: where a restore spends its time.</summary>
    public TimeSpan PlanTime, ContentTime, MetadataTime;

    /// <summary>The process's CPU time (user + system) in each stage, all threads.</summary>
    public TimeSpan PlanCpu, ContentCpu, MetadataCpu;

    /// <summary>
    /// Time in the content stage's steps, summed over its workers (Stopwatch ticks): reading packs, decoding blobs
    /// (decrypt, decompress, verify), creating files (open and size), writing, and finishing them (metadata, close).
    /// </summary>
    public long ReadTicks, DecodeTicks, CreateTicks, WriteTicks, FinishTicks;

    public static double Seconds(long ticks) => (double)ticks / System.Diagnostics.Stopwatch.Frequency;
}
