using System.Diagnostics;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// Holds the files of a plan open while their blobs arrive, from several packs at once (restic's filesWriter). A file
/// is created at its full size by its first blob, so that later blobs may land anywhere and what no blob covers stays
/// a hole; it is closed, and gets its metadata, after its last. A file that failed once takes no more writes and
/// gets no metadata (it stays, partial, for the user to see). Files share a few striped locks.
/// </summary>
internal sealed class FilesWriter
{
    private const int LockStripes = 64;

    private readonly RestorePlan _plan;
    private readonly MetadataWriter _metadata;
    private readonly ItemFailures _failures;
    private readonly RestoreStatistics _statistics;
    private readonly Lock[] _locks = CreateLocks();

    // the plan's root, opened: every file is opened below it without following a symlink (a directory swapped for one
    // while the restore runs is refused, not followed out of the target)
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _root;

    // --sparse: a blob of zeros is not written into a file created empty, so it stays a hole
    private readonly bool _sparse;

    public FilesWriter(RestorePlan plan, Microsoft.Win32.SafeHandles.SafeFileHandle root, MetadataWriter metadata, ItemFailures failures, RestoreStatistics statistics, bool sparse = false)
    {
        _sparse = sparse;
        _plan = plan;
        _root = root;
        _metadata = metadata;
        _failures = failures;
        _statistics = statistics;
    }

    private Lock FileLock(int file) => _locks[file & (LockStripes - 1)];

    private static Lock[] CreateLocks()
    {
        var locks = new Lock[LockStripes];
        for (int i = 0; i < locks.Length; i++) locks[i] = new Lock();
        return locks;
    }

    /// <summary>Writes one blob's plaintext at <paramref name="offset"/> of the file; counts the blob as arrived either way.</summary>
    public void Write(int file, ReadOnlySpan<byte> data, long offset)
    {
        lock (FileLock(file))
        {
            ref var f = ref _plan.Files[file];
            if (!f.Failed)
            {
                try
                {
                    long t0 = Stopwatch.GetTimestamp();
                    bool write = !_sparse || f.Update || data.IndexOfAnyExcept((byte)0) >= 0;
                    if (!f.Opened)
                    {
                        // the first blob creates the file at its full size, so later ones may land anywhere; a blob that
                        // is the whole file (most small files) sizes it by its write
                        f.Handle = Posix.OpenWriteBeneath(_root, _plan.Root, _plan.RelativePath(_plan.FilePath(file)), 0x180 /* 0600 */, truncate: !f.Update);
                        if (f.Update || !write || offset != 0 || data.Length != f.Size) Posix.Truncate(f.Handle, f.Size);
                        f.Opened = true;
                    }
                    long t1 = Stopwatch.GetTimestamp();
                    if (write) Posix.WriteAt(f.Handle!, data, offset, null);
                    Interlocked.Add(ref _statistics.CreateTicks, t1 - t0);
                    Interlocked.Add(ref _statistics.WriteTicks, Stopwatch.GetTimestamp() - t1);
                    Interlocked.Add(ref _statistics.BytesDone, data.Length);
                }
                catch (IOException e)
                {
                    f.Failed = true;
                    _failures.Report(_plan.FilePath(file), e);
                }
            }
        }
        BlobDone(file);
    }

    /// <summary>A blob of the file could not be read or did not verify: the file is reported once and left partial.</summary>
    public void Fail(int file, Exception error)
    {
        bool report;
        lock (FileLock(file))
        {
            ref var f = ref _plan.Files[file];
            report = !f.Failed;
            f.Failed = true;
        }
        if (report) _failures.Report(_plan.FilePath(file), error);
        BlobDone(file);
    }

    private void BlobDone(int file)
    {
        lock (FileLock(file))
        {
            ref var f = ref _plan.Files[file];
            if (--f.Remaining > 0) return;
            long t0 = Stopwatch.GetTimestamp();
            // through the handle the content went to: the same file gets the metadata, wherever its path leads now
            if (!f.Failed && f.Metadata is { } m) _metadata.Apply(f.Handle, _plan.FilePath(file), m);
            if (!f.Failed) _failures.Done(f.Update ? RestoreItemAction.Updated : RestoreItemAction.Restored, _plan.FilePath(file), f.Size);
            f.Handle?.Dispose();
            f.Handle = null;
            f.Metadata = null;
            Interlocked.Add(ref _statistics.FinishTicks, Stopwatch.GetTimestamp() - t0);
            Interlocked.Increment(ref _statistics.FilesDone);
        }
    }

    /// <summary>Closes what is still open: files whose remaining blobs never came (a cancelled or failed run).</summary>
    public void CloseAll()
    {
        for (int file = 0; file < _plan.Files.Count; file++)
        {
            lock (FileLock(file))
            {
                ref var f = ref _plan.Files[file];
                f.Handle?.Dispose();
                f.Handle = null;
            }
        }
    }

    /// <summary>The planned hard links, once their originals are complete; a link to a failed file is a failure too.</summary>
    public void CreateHardLinks()
    {
        foreach (var (dir, name, original) in _plan.Links)
        {
            var path = FsNames.Join(_plan.DirectoryPath(dir), name);
            try
            {
                if (_plan.Files[original].Failed)
                {
                    _failures.Report(path, new InvalidDataException($"not restored: it is a hard link to {_plan.FilePath(original)}, which could not be restored"));
                    continue;
                }
                Posix.Link(_plan.FilePath(original), path);
            }
            catch (PosixException e) { _failures.Report(path, e); }
        }
    }
}
