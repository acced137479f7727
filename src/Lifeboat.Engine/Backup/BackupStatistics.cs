namespace Lifeboat.Engine.Backup;

/// <summary>
/// Live counters of a running backup. The archiver updates them with Interlocked; a progress renderer
/// reads them on its own schedule, so reporting costs the hot path nothing but an add.
/// </summary>
public sealed class BackupStatistics
{
    public long TotalFiles;       // found by the scanner
    public long TotalDirectories;
    public long TotalBytes;
    public volatile bool ScanFinished;

    public long FilesDone;
    public long BytesDone;
    public long FilesNew, FilesChanged, FilesUnmodified;
    public long DirsNew, DirsChanged, DirsUnmodified;
    public long DataBlobs, TreeBlobs;
    public long DataAdded;        // plaintext bytes of new blobs
    public long DataAddedPacked;  // the same blobs as stored in their packs (compressed and sealed)
    public long Errors;

    // Time spent in each stage, summed over all workers (Stopwatch ticks), for --verbose=2.
    public long StatTicks, ListTicks, ParentTreeTicks, ReadTicks, ChunkTicks, HashTicks, StoreTicks, TreeTicks;

    public static double Seconds(long ticks) => (double)ticks / System.Diagnostics.Stopwatch.Frequency;

    private readonly Lock _currentLock = new();
    private readonly HashSet<string> _currentFiles = [];

    public void StartFile(string path) { lock (_currentLock) _currentFiles.Add(path); }
    public void EndFile(string path) { lock (_currentLock) _currentFiles.Remove(path); }
    public string[] CurrentFiles() { lock (_currentLock) return _currentFiles.Take(2).ToArray(); }
}
