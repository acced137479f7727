using System.Diagnostics;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// Backs up paths into a snapshot, in stages as restic's archiver does: the parent snapshot is found, a scanner counts
/// ahead for the progress total, the walk saves each item (the file saver chunks the files that changed, the stream
/// saver the stream files, the blob saver stores new chunks, the tree saver writes trees bottom-up), then the index
/// and the snapshot are written.
/// An archiver holds only its configuration: each <see cref="RunAsync(CancellationToken)"/> has its own state, so it
/// may run more than once.
/// </summary>
public sealed class Archiver(Repository.Repository repository, BackupOptions options, IBackupObserver? observer = null)
{
    /// <summary>
    /// The walkers block in system calls; without this many pool threads at hand they queue behind each other (the
    /// pool adds threads for blocked work only slowly). The engine changes no process-wide setting: the host (the
    /// command line, the daemon) raises the thread pool's minimum to this once at start.
    /// </summary>
    public const int RecommendedMinThreads = BackupRun.Walkers + 8;

    /// <summary>Absolute, cleaned form of a target, as recorded in the snapshot.</summary>
    public static string AbsolutePath(string path) => SourcePaths.AbsolutePath(path);

    /// <summary>Lexical clean like Go's filepath.Clean, working on surrogate-escaped strings.</summary>
    public static string CleanPath(string path) => SourcePaths.CleanPath(path);

    /// <summary>Runs a backup with counters of its own (the result carries them).</summary>
    public Task<BackupResult> RunAsync(CancellationToken cancellationToken) => RunAsync(new BackupStatistics(), cancellationToken);

    /// <summary>Runs a backup that counts into <paramref name="statistics"/>, which a progress display may read meanwhile.</summary>
    public async Task<BackupResult> RunAsync(BackupStatistics statistics, CancellationToken cancellationToken)
    {
        var run = new BackupRun(repository, options, observer, statistics, cancellationToken);
        var clock = Stopwatch.StartNew();
        var backupStart = GoTime.Now();
        var time = options.Time ?? backupStart;

        // Targets: relative ones keep their relative shape in the tree, as restic does; "." and ".." become absolute.
        var targets = new List<string>();
        var absolute = new List<string>();
        foreach (var given in options.Paths)
        {
            var clean = SourcePaths.CleanPath(given);
            var treePath = clean == "." || clean.StartsWith("..", StringComparison.Ordinal) ? SourcePaths.AbsolutePath(given) : clean;
            if (!Posix.TryLStat(treePath, out _, out int errno))
            {
                run.Report(treePath, "archival", new PosixException(errno, "lstat", treePath));
                continue;
            }
            targets.Add(treePath);
            absolute.Add(SourcePaths.AbsolutePath(given));
        }
        if (targets.Count == 0 && options.Streams.Count == 0)
            throw new RepositoryException(RepositoryErrorKind.Fatal, "all source paths do not exist: nothing to back up");
        var trie = new PathTrie();
        foreach (var target in targets) trie.Add(target);
        foreach (var stream in options.Streams) trie.AddStream(stream);
        var recorded = absolute.Concat(options.Streams.Select(s => s.SnapshotPath)).ToList();

        // Stream files alone have no parent, as restic's --stdin has none: nothing in them can be compared with one.
        var parent = targets.Count == 0 ? null : await ParentSnapshotFinder.FindAsync(repository, options, recorded, cancellationToken).ConfigureAwait(false);
        run.ParentMetadataReusable = parent is not null && parent.Uid == Posix.GetUid();
        Interlocked.Add(ref statistics.TotalFiles, options.Streams.Count);
        var scan = options.CountAhead
            ? Task.Run(() => Scanner.Count(targets, options.Excludes, statistics, cancellationToken), cancellationToken)
            : Task.CompletedTask;

        var blobs = new BlobSaver(run);
        var chunker = new ContentChunker(run, blobs);
        var walker = new SourceWalker(run, new FileSaver(run, chunker), new TreeSaver(run, blobs), new StreamSaver(run, chunker, time));
        var rootId = await walker.SaveRootAsync(trie, parent?.Tree).ConfigureAwait(false);
        await scan.ConfigureAwait(false);

        List<string> tags = [.. options.Tags];
        if (statistics.Errors > 0) tags.AddRange(options.TagsIfPartial.Where(t => !tags.Contains(t)));
        var snapshot = new Snapshot
        {
            Time = time,
            Parent = parent?.Id,
            Tree = rootId,
            Paths = recorded,
            Hostname = options.Hostname,
            Username = Environment.UserName,
            Uid = Posix.GetUid(),
            Gid = Posix.GetGid(),
            Excludes = options.ExcludePatterns.Count > 0 ? [.. options.ExcludePatterns] : null,
            Tags = tags.Count > 0 ? tags : null,
            ProgramVersion = options.ProgramVersion,
            Summary = Summarize(statistics, backupStart, GoTime.Now()),
        };
        Id? snapshotId = null;
        // restic 0.17's --skip-if-unchanged: the same tree as the parent's is no new snapshot
        bool skipped = options.SkipIfUnchanged && parent is not null && parent.Tree == rootId;
        if (!options.DryRun)
        {
            await repository.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (!skipped) snapshotId = await repository.SaveSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }
        return new BackupResult(snapshot, snapshotId, parent, statistics, clock.Elapsed) { Skipped = skipped };
    }

    /// <summary>restic 0.17's snapshot summary: the run's counters, as the backup's JSON summary line has them.</summary>
    internal static SnapshotSummary Summarize(BackupStatistics s, GoTime start, GoTime end)
    {
        ulong filesNew = (ulong)Interlocked.Read(ref s.FilesNew), filesChanged = (ulong)Interlocked.Read(ref s.FilesChanged),
            filesUnmodified = (ulong)Interlocked.Read(ref s.FilesUnmodified);
        return new SnapshotSummary
        {
            BackupStart = start,
            BackupEnd = end,
            FilesNew = filesNew,
            FilesChanged = filesChanged,
            FilesUnmodified = filesUnmodified,
            DirsNew = (ulong)Interlocked.Read(ref s.DirsNew),
            DirsChanged = (ulong)Interlocked.Read(ref s.DirsChanged),
            DirsUnmodified = (ulong)Interlocked.Read(ref s.DirsUnmodified),
            DataBlobs = Interlocked.Read(ref s.DataBlobs),
            TreeBlobs = Interlocked.Read(ref s.TreeBlobs),
            DataAdded = (ulong)Interlocked.Read(ref s.DataAdded),
            DataAddedPacked = (ulong)Interlocked.Read(ref s.DataAddedPacked),
            TotalFilesProcessed = filesNew + filesChanged + filesUnmodified,
            TotalBytesProcessed = (ulong)Interlocked.Read(ref s.BytesDone),
        };
    }
}
