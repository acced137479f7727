using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Restore;
using Lifeboat.Engine.Trees;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Consistency;
using Lifeboat.Stack.Dumps;
using Microsoft.Win32.SafeHandles;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// A real restore test per app: its latest snapshot (or a random sample of its files) is restored with the engine's
/// restorer into a private scratch directory; every restored item is then checked independently against the snapshot
/// (type, mode, times, owner, size, and each content range against its blob ID, which is the SHA-256 of its
/// plaintext), files the live source still has unchanged (same size and mtime) are compared with it byte for byte,
/// and every restored SQLite database gets PRAGMA integrity_check. The scratch directory is removed afterwards, also
/// on failure or cancellation; each app's result is appended to the restore-test history.
/// </summary>
public sealed class RestoreTest
{
    private readonly Repo _repository;
    private readonly StackConfig _config;
    private readonly IRestoreTestObserver? _observer;

    public RestoreTest(Repo repository, StackConfig config, IRestoreTestObserver? observer = null)
    {
        _repository = repository;
        _config = config;
        _observer = observer;
    }

    /// <summary>Where the scratch directory is made: $LIFEBOAT_STAGING_DIR, else /var/tmp (as for the database copies).</summary>
    public string StagingParent { get; init; } = DatabaseCopies.DefaultStagingParent;

    /// <summary>The share of each app's files to restore, in percent (0 &lt; p ≤ 100); 100 restores the whole snapshot.</summary>
    public double SamplePercent { get; init; } = 100;

    /// <summary>Where each app's record is appended as soon as its test is over; null to keep none.</summary>
    public RestoreTestLog? Log { get; init; }

    /// <summary>Runs the dump tools for the dump checks (host processes and docker exec); made once, when first needed.</summary>
    public Func<IDumpProcesses> DumpProcesses { get; init; } = DumpToolCommands.DefaultProcesses;

    /// <summary>The dump tools' command lines with each entry's credentials; null: DumpTools' (<see cref="DumpToolCommands"/>).</summary>
    public IDumpCommands? DumpCommands { get; init; }

    private IDumpProcesses? _dumpProcesses;
    private IDumpCommands? _dumpCommands;
    private IDumpProcesses DumpProcessesOnce => _dumpProcesses ??= DumpProcesses();
    private IDumpCommands DumpCommandsOnce => _dumpCommands ??= DumpCommands ?? new DumpToolCommands(() => DumpProcessesOnce);

    /// <summary>Where the running test is, for a live status line.</summary>
    public RestoreTestProgress Progress { get; } = new();

    /// <summary>Tests each app in turn (the repository open with its index loaded, and locked by the caller).</summary>
    public async Task<IReadOnlyList<RestoreTestRecord>> RunAsync(IReadOnlyList<AppConfig> apps, CancellationToken cancellationToken)
    {
        if (!(SamplePercent > 0 && SamplePercent <= 100))
            throw new StackException($"a sample of {SamplePercent.ToString(CultureInfo.InvariantCulture)}% is not possible: give more than 0 and at most 100");
        var all = await _repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var records = new List<RestoreTestRecord>();
        foreach (var app in apps)
        {
            var clock = Stopwatch.StartNew();
            var latest = all.Where(s => s.HasTag(app.Tag)).OrderBy(s => s.Time.ToDateTimeOffset()).LastOrDefault();
            var record = latest is null
                ? new RestoreTestRecord
                {
                    Time = DateTimeOffset.Now, App = app.Name, Host = _config.Host, SnapshotId = "", SnapshotTime = default,
                    SamplePercent = SamplePercent, Passed = false, ProblemCount = 1,
                    Problems = [$"no snapshot to test; run lifeboat backup {app.Name}"],
                }
                : await TestAppAsync(app, latest, clock, cancellationToken).ConfigureAwait(false);
            Log?.Append([record]);
            records.Add(record);
            _observer?.AppFinished(record);
        }
        return records;
    }

    private async Task<RestoreTestRecord> TestAppAsync(AppConfig app, Snapshot snapshot, Stopwatch clock, CancellationToken cancellationToken)
    {
        Progress.Start(app.Name);
        RestoreTestRecord record;
        var scratch = ScratchDirectory.Create(StagingParent);
        try
        {
            record = await TestInAsync(scratch, app, snapshot, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Progress.Enter(RestoreTestPhase.RemovingScratch);
            scratch.Dispose();
        }
        // removing tens of thousands of restored files takes a while too: it is part of what the test costs
        return record with { Time = DateTimeOffset.Now, DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
    }

    private async Task<RestoreTestRecord> TestInAsync(ScratchDirectory scratch, AppConfig app, Snapshot snapshot, CancellationToken cancellationToken)
    {
        var target = FsNames.Join(scratch.Path, "restored");
        var problems = new Problems(target);

        // First walk: what there is to restore (counts, and the sample's files). Only locations are kept, never the
        // snapshot's nodes: the check below walks the trees again (a tree is small and quick to load; 50,000 nodes
        // held at once are not).
        long itemCount = 0, fileCount = 0, bytes = 0;
        var fileSizes = SamplePercent < 100 ? new List<(string Location, ulong Size)>() : null;
        await WalkAsync(snapshot, problems, batch =>
        {
            foreach (var (location, node) in batch)
            {
                itemCount++;
                if (node.Type != NodeType.File) continue;
                fileCount++;
                bytes += (long)node.Size;
                fileSizes?.Add((location, node.Size));
            }
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        HashSet<string>? sample = null;
        if (fileSizes is not null)
        {
            int count = fileSizes.Count == 0 ? 0 : Math.Clamp((int)Math.Round(fileSizes.Count * SamplePercent / 100), 1, fileSizes.Count);
            var chosen = fileSizes.OrderBy(_ => Random.Shared.Next()).Take(count).ToList();
            sample = chosen.Select(f => f.Location).ToHashSet(StringComparer.Ordinal);
            fileCount = itemCount = chosen.Count;
            bytes = chosen.Sum(f => (long)f.Size);
            fileSizes = null;
        }
        RequireRoom(app, bytes);
        _observer?.AppStarting(app, snapshot, fileCount, bytes);

        var restorer = new Restorer(_repository, new RestoreOptions { Target = target, SelectedPaths = sample }, problems);
        Progress.Restoring(app.Name, fileCount, bytes, itemCount, restorer.Statistics);
        try
        {
            await restorer.RunAsync(snapshot.Tree, cancellationToken).ConfigureAwait(false);
        }
        catch (RepositoryException e)
        {
            // the snapshot's root tree itself is damaged (below it, the restorer reports per item and goes on)
            problems.Add("/", $"the snapshot cannot be restored: {e.Message}");
        }
        if (problems.OutOfSpace)
            throw new StackException($"the scratch directory in {StagingParent} ran out of space while restoring app {app.Name} ({ByteSize.Format(bytes)} to restore): free space there, or set LIFEBOAT_STAGING_DIR to a directory with room");

        // Everything is checked before any database is opened: SQLite may create -shm/-wal files beside the copy,
        // which would change its directory's mtime. A sample checks its files only.
        Progress.Enter(RestoreTestPhase.Verifying);
        var checker = new ItemChecker(_repository.Index, target, problems);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        await WalkAsync(snapshot, problems, batch => new ValueTask(Parallel.ForEachAsync(
            sample is null ? batch : batch.Where(i => i.Node.Type == NodeType.File && sample.Contains(i.Location)), parallel,
            (item, _) =>
            {
                checker.Check(item.Location, item.Node);
                Progress.ItemChecked();
                return ValueTask.CompletedTask;
            })), cancellationToken).ConfigureAwait(false);

        Progress.Enter(RestoreTestPhase.CheckingDatabases);
        long databases = 0;
        int linkNumber = 0;
        foreach (var location in checker.Databases.Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var restored = target + location;
            if (!FsNames.IsValidUtf8(restored))
            {
                // SQLite takes the file name as UTF-8: reach a name that is not through a hard link with a plain name
                var link = FsNames.Join(scratch.Path, $"database-{linkNumber++}");
                Posix.Link(restored, link);
                restored = link;
            }
            if (SqliteIntegrity.Check(restored) is { } problem) problems.Add(location, problem);
            else databases++;
        }

        // the dumps are read again from the repository, whole, whatever the sample: their files were checked above as
        // files; this checks that they are dumps a database can be loaded from
        var dumpChecks = new List<DumpCheckRecord>();
        var dumps = await SnapshotDumps.FindAsync(_repository, app, snapshot, cancellationToken).ConfigureAwait(false);
        if (dumps.Files.Count > 0)
        {
            Progress.Enter(RestoreTestPhase.CheckingDumps);
            _dumpCheck ??= new DumpCheck(_repository, () => DumpProcessesOnce, DumpCommandsOnce);
            foreach (var file in dumps.Files)
            {
                var checkRecord = await _dumpCheck.CheckAsync(file, cancellationToken).ConfigureAwait(false);
                if (checkRecord.Problem is { } problem) problems.Add(file.SnapshotPath, $"dump check: {problem}");
                dumpChecks.Add(checkRecord);
            }
        }

        var lines = problems.Lines();
        return new RestoreTestRecord
        {
            Time = DateTimeOffset.Now, App = app.Name, Host = _config.Host,
            SnapshotId = snapshot.Id.ToString(), SnapshotTime = snapshot.Time.ToDateTimeOffset(),
            SamplePercent = SamplePercent, Files = fileCount, Bytes = bytes,
            FilesComparedLive = checker.ComparedLive, Databases = databases,
            Passed = lines.Count == 0, ProblemCount = lines.Count, Problems = lines.Take(RestoreTestRecord.MaxProblems).ToList(),
            Dumps = dumpChecks.Count > 0 ? dumpChecks : null,
        };
    }

    /// <summary>
    /// Every item of the snapshot with its location ("/mnt/plexdata/x"), depth first, handed to <paramref name="visit"/>
    /// a batch at a time; a batch's nodes are not kept after the visit.
    /// </summary>
    private async Task WalkAsync(Snapshot snapshot, Problems problems, Func<List<Item>, ValueTask> visit, CancellationToken cancellationToken)
    {
        Tree root;
        try
        {
            root = await _repository.LoadTreeAsync(snapshot.Tree, cancellationToken).ConfigureAwait(false);
        }
        catch (RepositoryException e)
        {
            problems.Add("/", Unreadable(snapshot.Tree, e));
            return;
        }
        var batcher = new ItemBatcher(problems, visit);
        await new TreeWalker(_repository).WalkAsync(snapshot.Tree, root, "", batcher, cancellationToken).ConfigureAwait(false);
        await batcher.FlushAsync().ConfigureAwait(false);
    }

    private static string Unreadable(Id tree, Exception e) => $"its directory listing (tree {tree.ToShortString()}) cannot be loaded: {e.Message}";

    /// <summary>Collects the walk's items into batches for a visit that works on many at once.</summary>
    private sealed class ItemBatcher(Problems problems, Func<List<Item>, ValueTask> visit) : ITreeVisitor
    {
        private const int ItemsPerBatch = 1024;
        private readonly List<Item> _batch = [];

        // the restorer reports unsafe names (and restores nothing below them)
        private static bool IsSafe(string name) => name is not ("" or "." or "..") && !name.Contains('/');

        public bool ShouldEnter(in TreeWalkEntry directory) => IsSafe(directory.Node.Name);

        public async ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry entry, CancellationToken cancellationToken)
        {
            if (!IsSafe(entry.Node.Name)) return TreeWalkAction.Continue;
            var location = entry.Path;
            if (entry.LoadError is { } error) problems.Add(location, Unreadable(entry.Node.Subtree!.Value, error));
            _batch.Add(new Item(location, entry.Node));
            if (_batch.Count >= ItemsPerBatch) await FlushAsync().ConfigureAwait(false);
            return TreeWalkAction.Continue;
        }

        public async ValueTask FlushAsync()
        {
            if (_batch.Count == 0) return;
            await visit(_batch).ConfigureAwait(false);
            _batch.Clear();
        }
    }

    /// <summary>Refuses before restoring when the scratch file system plainly lacks the room.</summary>
    private void RequireRoom(AppConfig app, long bytes)
    {
        long available;
        try
        {
            available = new DriveInfo(StagingParent).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return; // unknown: the restore itself will tell
        }
        if (bytes > available)
            throw new StackException($"app {app.Name} needs {ByteSize.Format(bytes)} of scratch space for its restore test and {StagingParent} has {ByteSize.Format(available)} free: free space there, set LIFEBOAT_STAGING_DIR to a directory with room, or test a sample (--sample 10%)");
    }

    private DumpCheck? _dumpCheck;

    private readonly record struct Item(string Location, Node Node);

    /// <summary>
    /// The problems found, one per location (the first found wins: a file the restorer could not write is not also
    /// reported as missing). The restorer reports into it too, with paths in the scratch directory.
    /// </summary>
    private sealed class Problems(string target) : IRestoreObserver
    {
        private readonly ConcurrentDictionary<string, string> _byLocation = new(StringComparer.Ordinal);

        public bool OutOfSpace { get; private set; }

        public bool Has(string location) => _byLocation.ContainsKey(location);

        public void Add(string location, string problem) => _byLocation.TryAdd(location, problem);

        public void ItemError(string path, Exception error)
        {
            if (error is IOException { HResult: Errno.ENOSPC }) OutOfSpace = true;
            var location = path.StartsWith(target, StringComparison.Ordinal) ? path[target.Length..] : path;
            if (location.Length == 0) location = "/";
            // the engine's messages name the scratch copy; the user knows the file by its original path
            Add(location, $"cannot be restored: {error.Message.Replace(target, "", StringComparison.Ordinal)}");
        }

        public List<string> Lines() =>
            _byLocation.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Printable($"{p.Key}: {p.Value}")).ToList();

        /// <summary>
        /// Names that are not UTF-8 carry their bytes as lone surrogates, which JSON cannot hold: in a report line
        /// they become U+FFFD, as Go's JSON encoder writes them.
        /// </summary>
        private static string Printable(string line)
        {
            if (!line.Any(char.IsSurrogate)) return line;
            var chars = line.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) { i++; continue; }
                if (char.IsSurrogate(chars[i])) chars[i] = '\uFFFD';
            }
            return new string(chars);
        }
    }

    /// <summary>Checks one restored item against its node, and a file also against the live one when that is unchanged.</summary>
    private sealed class ItemChecker(MasterIndex index, string target, Problems problems)
    {
        private static readonly bool s_root = Posix.GetUid() == 0;
        private long _comparedLive;
        private readonly ConcurrentBag<string> _databases = [];

        public long ComparedLive => Interlocked.Read(ref _comparedLive);
        /// <summary>The locations of the restored files that are SQLite databases.</summary>
        public IEnumerable<string> Databases => _databases;

        public void Check(string location, Node node)
        {
            if (problems.Has(location) || node.Type == NodeType.Socket) return; // sockets are not restored (nor by restic)
            var restored = target + location;
            if (!Posix.TryLStat(restored, out var status, out int errno))
            {
                problems.Add(location, $"was not restored ({new PosixException(errno, "lstat", null).Message})");
                return;
            }
            string? wrong = node.Type switch
            {
                NodeType.File => status.IsRegularFile ? null : "a file",
                NodeType.Dir => status.IsDirectory ? null : "a directory",
                NodeType.Symlink => status.IsSymlink ? null : "a symbolic link",
                NodeType.Fifo => status.IsFifo ? null : "a fifo",
                NodeType.Dev => status.IsBlockDevice ? null : "a block device",
                NodeType.CharDev => status.IsCharDevice ? null : "a character device",
                _ => null,
            };
            if (wrong is not null)
            {
                problems.Add(location, $"was restored as something other than {wrong}, which the snapshot has");
                return;
            }
            if (node.Type == NodeType.Symlink)
            {
                var linkTarget = Posix.ReadLink(restored);
                if (linkTarget != (node.LinkTarget ?? ""))
                    problems.Add(location, $"the restored link points to {linkTarget}, the snapshot says {node.LinkTarget}");
                return;
            }
            if (CheckMetadata(location, node, status) is { } metadata)
            {
                problems.Add(location, metadata);
                return;
            }
            if (node.Type == NodeType.File) CheckFile(location, node, restored, status);
        }

        private static string? CheckMetadata(string location, Node node, in FileStatus status)
        {
            // without root the kernel may drop setgid on chmod, and owners cannot be given away
            uint mask = s_root ? FileModeBits.PermissionMask : 0x1FF;
            uint want = GoFileMode.ToPosixPermissions(node.Mode) & mask;
            if ((status.Permissions & mask) != want)
                return $"restored with mode {Convert.ToString(status.Permissions & mask, 8)}, the snapshot says {Convert.ToString(want, 8)}";
            if (s_root && (status.Uid != node.Uid || status.Gid != node.Gid))
                return $"restored with owner {status.Uid}:{status.Gid}, the snapshot says {node.Uid}:{node.Gid}";
            if (!SameTime(status.ModTime, node.ModTime))
                return $"restored with mtime {status.ModTime}, the snapshot says {node.ModTime.UnixSeconds}.{node.ModTime.Nanoseconds:D9}";
            return null;
        }

        private void CheckFile(string location, Node node, string restored, in FileStatus status)
        {
            if ((ulong)status.Size != node.Size)
            {
                problems.Add(location, $"restored with {status.Size} bytes, the snapshot says {node.Size}");
                return;
            }
            bool database = SqliteDatabaseFinder.IsDatabase(restored);
            if (database) _databases.Add(location);
            var content = node.Content ?? [];
            if (content.Count == 0) return;

            // A live file with the snapshot's size and mtime is, as far as the file system tells, what was backed up.
            // Databases differ legitimately: with consistency: sqlite the snapshot holds an online-backup copy.
            SafeFileHandle? live = null;
            if (!database && !IsDatabaseSibling(location, restored) && Unchanged(location, node)) live = TryOpen(location);
            try
            {
                using var handle = Posix.OpenRead(restored);
                long offset = 0;
                bool liveSame = live is not null;
                foreach (var blobId in content)
                {
                    if (!index.TryLookup(BlobType.Data, blobId, out var blob))
                    {
                        problems.Add(location, $"data blob {blobId} is not in the index");
                        return;
                    }
                    int length = (int)(blob.Blob.IsCompressed ? blob.Blob.UncompressedLength : blob.Blob.Length - Engine.Crypto.CryptoKey.Overhead);
                    var buffer = ArrayPool<byte>.Shared.Rent(length);
                    var liveBuffer = liveSame ? ArrayPool<byte>.Shared.Rent(length) : null;
                    try
                    {
                        var data = buffer.AsSpan(0, length);
                        if (Posix.ReadFully(handle, data, offset) != length)
                        {
                            problems.Add(location, $"the restored copy ends before byte {offset + length}");
                            return;
                        }
                        if (Id.Hash(data) != blobId)
                        {
                            problems.Add(location, $"the restored content of bytes {offset}..{offset + length} does not match the snapshot (blob {blobId.ToShortString()})");
                            return;
                        }
                        if (liveBuffer is not null)
                        {
                            var liveData = liveBuffer.AsSpan(0, length);
                            try
                            {
                                liveSame = Posix.ReadFully(live!, liveData, offset) == length && liveData.SequenceEqual(data);
                            }
                            catch (IOException)
                            {
                                live!.Dispose(); // unreadable now: not compared, not a problem of the snapshot
                                live = null;
                                liveSame = false;
                            }
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        if (liveBuffer is not null) ArrayPool<byte>.Shared.Return(liveBuffer);
                    }
                    offset += length;
                }
                if (offset != status.Size)
                {
                    problems.Add(location, $"its content blobs hold {offset} bytes, the snapshot says {node.Size}");
                    return;
                }
                if (live is null) return;
                // only what is still unchanged after reading counts: a file written meanwhile proves nothing
                if (!Unchanged(location, node)) return;
                if (liveSame) Interlocked.Increment(ref _comparedLive);
                else problems.Add(location, "differs from the live file, which has the snapshot's size and mtime: it was changed on disk with the same size and mtime, or the snapshot is wrong");
            }
            catch (IOException e)
            {
                problems.Add(location, $"the restored copy cannot be read: {e.Message.Replace(target, "", StringComparison.Ordinal)}");
            }
            finally
            {
                live?.Dispose();
            }
        }

        private static bool Unchanged(string location, Node node) =>
            Posix.TryLStat(location, out var status, out _) && status.IsRegularFile && (ulong)status.Size == node.Size && SameTime(status.ModTime, node.ModTime);

        /// <summary>A -wal, -shm or -journal file beside a database (restored or live): its content belongs to SQLite.</summary>
        private static bool IsDatabaseSibling(string location, string restored)
        {
            foreach (var suffix in DatabaseCopies.SiblingSuffixes)
            {
                if (!location.EndsWith(suffix, StringComparison.Ordinal)) continue;
                var database = location[..^suffix.Length];
                if (SqliteDatabaseFinder.IsDatabase(restored[..^suffix.Length]) || SqliteDatabaseFinder.IsDatabase(database)) return true;
            }
            return false;
        }

        private static bool SameTime(Timespec a, GoTime b) => a.Seconds == b.UnixSeconds && a.Nanoseconds == b.Nanoseconds;

        /// <summary>The live file, or null when it cannot be opened (then it is simply not compared).</summary>
        private static SafeFileHandle? TryOpen(string path)
        {
            try
            {
                return Posix.OpenRead(path);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }
}
