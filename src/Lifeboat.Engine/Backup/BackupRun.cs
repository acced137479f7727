using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// What one backup run shares between its stages: its cancellation, counters, bounds on the work in flight and the
/// content of hard-linked files already read. A new one per run, so an archiver can run again (or twice at once).
/// </summary>
internal sealed class BackupRun
{
    /// <summary>
    /// Items walked on their own pool thread at once. A cold metadata walk is latency-bound (each lstat and
    /// directory read waits for the disk) and concurrency pays even on 2 cores; everything beyond this bound is
    /// walked inline, depth first, so memory follows the work in flight, not the size of the tree. Measured on a
    /// 2-core VM, Plex tree, cold cache: 16 rather than 8 took a first backup of 300,000 files from 52-67 s to 40-42 s
    /// and a no-change one from 18-21 s to 13-15 s (100,000 files: 15.5 to 13.1 s, 6.5 to 5.1 s) for 10-18 MB more;
    /// 32 gained nothing more and held 20-45 MB more.
    /// </summary>
    public const int Walkers = 16;

    /// <summary>
    /// Directories held open while their entries are walked (about walkers times depth); beyond this bound the
    /// walk goes by path, so that a very deep tree cannot run out of file descriptors.
    /// </summary>
    private const int MaxOpenDirectories = 256;

    private int _openDirectories;
    private readonly Dictionary<(ulong Device, ulong Inode), List<Id>> _hardLinkContent = [];

    public BackupRun(Repository.Repository repository, BackupOptions options, IBackupObserver? observer, BackupStatistics statistics,
        CancellationToken cancellation)
    {
        Repository = repository;
        Options = options;
        Observer = observer;
        Statistics = statistics;
        Cancellation = cancellation;
        FileSlots = new SemaphoreSlim(Math.Max(1, options.FileConcurrency));
    }

    public Repository.Repository Repository { get; }
    public BackupOptions Options { get; }
    public IBackupObserver? Observer { get; }
    public BackupStatistics Statistics { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>Files read and chunked at once.</summary>
    public SemaphoreSlim FileSlots { get; }
    /// <summary>Items walked on a pool thread of their own at once.</summary>
    public SemaphoreSlim WalkerSlots { get; } = new(Walkers);
    /// <summary>Directories being opened and listed at once.</summary>
    public SemaphoreSlim DirectorySlots { get; } = new(16);

    /// <summary>
    /// Whether a parent node's metadata that a ctime guards (extended attributes) may stand for a new read: only when
    /// the parent was taken by the same user, who sees the same attributes (trusted.* are root's only). Set once the
    /// parent is known, before the walk.
    /// </summary>
    public bool ParentMetadataReusable { get; set; }

    /// <summary>The parent's node when its guarded metadata may be reused, else null.</summary>
    public Node? Reusable(Node? parentNode) => ParentMetadataReusable ? parentNode : null;

    /// <summary>Counts one more open directory; false when the bound is reached and the walk must go by path.</summary>
    public bool TryCountOpenDirectory() => Interlocked.Increment(ref _openDirectories) <= MaxOpenDirectories;

    /// <summary>Undoes <see cref="TryCountOpenDirectory"/>, whatever it returned.</summary>
    public void UncountOpenDirectory() => Interlocked.Decrement(ref _openDirectories);

    /// <summary>The content already saved for a hard-linked file (by device and inode) in this run.</summary>
    public bool TryGetHardLinkContent(in FileStatus st, out List<Id> content)
    {
        lock (_hardLinkContent) return _hardLinkContent.TryGetValue((st.Device, st.Inode), out content!);
    }

    public void AddHardLinkContent(in FileStatus st, List<Id> content)
    {
        lock (_hardLinkContent) _hardLinkContent[(st.Device, st.Inode)] = content;
    }

    /// <summary>An item could not be read: it is counted and told, and the backup goes on without it.</summary>
    public void Report(string path, string during, Exception error)
    {
        Interlocked.Increment(ref Statistics.Errors);
        Observer?.ItemError(path, during, error);
    }

    /// <summary>A tree of the parent snapshot, or null when it cannot be loaded: a damaged parent only costs re-reading files.</summary>
    public async Task<Tree?> TryLoadTreeAsync(Id id)
    {
        try
        {
            return await Repository.LoadTreeAsync(id, Cancellation).ConfigureAwait(false);
        }
        catch (RepositoryException)
        {
            return null;
        }
    }
}
