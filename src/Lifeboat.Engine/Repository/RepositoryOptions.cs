namespace Lifeboat.Engine.Repository;

public sealed record RepositoryOptions
{
    public const long DefaultPackSize = 16 * 1024 * 1024;
    public const long MinPackSize = 4 * 1024 * 1024;
    public const long MaxPackSize = 128 * 1024 * 1024;

    public CompressionMode Compression { get; init; } = CompressionMode.Auto;
    /// <summary>Target pack size in bytes; packs overshoot it by up to one blob.</summary>
    public long PackSize { get; init; } = DefaultPackSize;
    /// <summary>Try this key first (restic's --key-hint).</summary>
    public string? KeyHint { get; init; }
    /// <summary>How often a held lock is written anew (restic: 5 minutes).</summary>
    public TimeSpan LockRefreshInterval { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>After how long without a refresh other hosts take a lock for stale (restic: 30 minutes).</summary>
    public TimeSpan LockStaleAfter { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>
    /// How long the packs written since the last index file may wait for theirs (restic's indexMaxAge, 10 minutes):
    /// an interrupted long backup or prune keeps what it had uploaded up to that long ago, and the next run resumes
    /// from there instead of writing it all again.
    /// </summary>
    public TimeSpan IndexMaxAge { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>How many files to read or write at once.</summary>
    public int Connections { get; init; } = 4;
    /// <summary>
    /// The base directory of the local cache (restic's --cache-dir) that a remote repository keeps its snapshots, index
    /// and tree packs in; null for none. A local repository never uses one.
    /// </summary>
    public string? CacheDirectory { get; init; }
    /// <summary>Warnings that do not stop the operation (the cache cannot be opened or written).</summary>
    public Action<string>? Warn { get; init; }
}
