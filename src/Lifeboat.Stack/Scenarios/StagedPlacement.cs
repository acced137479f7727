using System.Security.Cryptography;
using Lifeboat.Engine;
using Lifeboat.Engine.Platform;
using Lifeboat.Stack.Consistency;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// Moves restored items from a staging directory into place by renames on the same file system, and remembers every
/// step so that a failure part way puts everything back as it was. A file replaces a file atomically: the two swap
/// places in one rename (renameat2 RENAME_EXCHANGE), so that the old one waits at the staged path until the end (where
/// the file system cannot swap, the old one is kept as a hard link in a trash directory and the new one renamed over
/// it); directories are merged; a merged directory gets the staged copy's mode, owner, extended attributes and times
/// after its children were renamed into it, and one the merge changes nothing in is left untouched. With deletion
/// on, items in place that the staging copy does not have (within the selection) are moved into the trash directory
/// first; the staging and trash directories are emptied only after everything is in place.
/// <para>
/// Durability: each step is journaled before it is carried out. The renames wait in batches: a batch's records are
/// written, fdatasync'ed once, then its renames run, so that even after a power loss no rename is on disk without its
/// record (one sync per step would cost 2-3 ms each here, minutes for a large app). The staged copy is synced before
/// the first rename and the renames before the journal is removed (syncfs), so that the old files in the trash are
/// never deleted while the new ones could still be lost. The staging and trash directories are flock'ed while in use:
/// a directory nobody holds is a leftover of a process that is gone (<see cref="PlacementRecovery"/>).
/// </para>
/// </summary>
internal sealed class StagedPlacement : IDisposable
{
    /// <summary>The prefix of the staging directories (restored content waiting to be renamed into place).</summary>
    public const string StagingPrefix = ".lifeboat-restore-";
    /// <summary>The prefix of the trash directories (what was replaced or removed, until the restore succeeded).</summary>
    public const string TrashPrefix = ".lifeboat-trash-";
    /// <summary>The file in a trash directory that a failed undo leaves: the directory holds what the user still needs.</summary>
    public const string KeptMarker = "KEPT-BY-LIFEBOAT.txt";

    /// <summary>The steps, on disk only: undo reads them back from the file (newest first), so that a placement's memory does not grow with the app.</summary>
    private PlacementJournal? _journalFile;
    private readonly bool _restoreOwnership = Posix.GetUid() == 0;
    private readonly HashSet<string> _ownDirectories = new(StringComparer.Ordinal);
    private readonly List<SafeFileHandle> _ownDirectoryLocks = [];
    /// <summary>Renames (and the metadata that must follow them) whose records are written but not yet synced.</summary>
    private readonly List<Action> _pending = [];

    /// <summary>How many journaled steps share one fdatasync.</summary>
    internal const int StepsPerSync = 512;

    /// <summary>Tests only: called before each rename into place, to fail the placement part way.</summary>
    internal Action<string>? BeforeRenameIntoPlace { get; init; }

    /// <summary>Tests only: false places as on a file system that cannot swap two files (a hard link in the trash, then a rename).</summary>
    internal bool UseExchange { get; init; } = true;

    /// <summary>The process named in the journal as its writer; tests name one that has ended, as a killed restore's.</summary>
    internal State.ProcessIdentity JournalWriter { get; init; } = State.ProcessIdentity.Current;

    /// <summary>
    /// Starts the write-ahead journal in <paramref name="trash"/> (the first trash directory): from now on each step
    /// is recorded before it is carried out, so that a placement killed part way is undone by <see cref="PlacementRecovery"/>.
    /// </summary>
    public void BeginJournal(string trash, string app)
    {
        _journalFile = PlacementJournal.Create(trash, new PlacementJournalHeader(app, JournalWriter, DateTimeOffset.UtcNow, [.. _ownDirectories]));
        // the staged files' data and the journal's entry on disk before anything in place changes
        SyncOwnFileSystems();
    }

    /// <summary>
    /// The placement is complete: its renames are made durable, then the journal goes, so that neither a kill nor a
    /// power loss while the trash is emptied can leave the app without its old files and without the new ones.
    /// </summary>
    public void Complete()
    {
        RunPending();
        if (_journalFile is not null) SyncOwnFileSystems();
        _journalFile?.Delete();
        _journalFile = null;
    }

    /// <summary>Tests only: the journal's file (and the directories' locks) left as a kill leaves them.</summary>
    internal void AbandonJournal()
    {
        _pending.Clear();
        _journalFile?.Dispose();
        _journalFile = null;
        ReleaseLocks();
    }

    public void Dispose()
    {
        _journalFile?.Dispose();
        ReleaseLocks();
    }

    private void ReleaseLocks()
    {
        foreach (var handle in _ownDirectoryLocks) handle.Dispose();
        _ownDirectoryLocks.Clear();
    }

    private void SyncOwnFileSystems()
    {
        foreach (var parent in _ownDirectories.Select(d => d[..Math.Max(1, d.LastIndexOf('/'))]).Distinct(StringComparer.Ordinal))
            Posix.SyncFileSystem(parent);
    }

    /// <summary>Carries out a step whose record was just written, after its batch's records are synced (<see cref="RunPending"/>).</summary>
    private void Then(Action step)
    {
        _pending.Add(step);
        if (_pending.Count >= StepsPerSync) RunPending();
    }

    /// <summary>Syncs the journal, then runs the waiting steps in order. A step that fails drops the rest: undo follows.</summary>
    private void RunPending()
    {
        if (_pending.Count == 0) return;
        _journalFile?.Sync();
        var steps = _pending.ToArray();
        _pending.Clear();
        foreach (var step in steps) step();
    }

    private void Record(PlacementStep step) => Journal.Add(step);

    private PlacementJournal Journal => _journalFile ?? throw new InvalidOperationException("a placement begins its journal first (BeginJournal)");

    /// <summary>Items moved aside because the snapshot does not have them (with deletion on).</summary>
    public int Removed { get; private set; }
    /// <summary>The live journals of replaced SQLite databases, moved aside whatever the deletion (see <see cref="MoveAsideStaleCompanions"/>).</summary>
    public List<StaleSqliteFile> StaleSqliteFiles { get; } = [];
    /// <summary>Items renamed into place (a merged directory is not counted, its content is).</summary>
    public int Placed { get; private set; }

    /// <summary>A fresh, private, uniquely named directory in <paramref name="parent"/>, known as ours (never merged or deleted).</summary>
    public string MakeOwnDirectory(string parent, string prefix)
    {
        while (true)
        {
            var path = FsNames.Join(parent, prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
            try
            {
                Posix.MakeDirectory(path, 0x1C0 /* 0700 */);
                _ownDirectories.Add(path);
                var handle = Posix.OpenDirectory(path);
                _ownDirectoryLocks.Add(handle);
                Posix.TryLockExclusive(handle); // new and ours alone: it cannot be held by anyone else yet
                return path;
            }
            catch (PosixException e) when (e.Errno == Errno.EEXIST)
            {
            }
        }
    }

    /// <summary>
    /// Places <paramref name="staged"/> at <paramref name="destination"/>. <paramref name="isSelected"/> tells whether a
    /// destination path was chosen by the user (with everything below it); directories that are not selected only
    /// lead to selected ones: they are merged, keep their own metadata, and nothing in them is deleted.
    /// <paramref name="isKept"/> names destination items that deletion must leave alone (the app's excludes).
    /// </summary>
    public void Place(string staged, string destination, string trash, Func<string, bool> isSelected, bool delete, Func<string, FileStatus, bool> isKept)
    {
        _ = Journal; // every step is recorded before it is carried out
        var context = new Context(trash, isSelected, delete, isKept, UseExchange && CanExchangeIn(trash));
        PlaceItem(staged, destination, isSelected(destination), context, parent: null);
        RunPending();
    }

    private sealed record Context(string Trash, Func<string, bool> IsSelected, bool Delete, Func<string, FileStatus, bool> IsKept, bool CanExchange)
    {
        private int _counter;
        /// <summary>A unique name in the trash: flat, so that moving aside never needs a directory structure.</summary>
        public string NextTrashPath(string destination) =>
            FsNames.Join(Trash, $"{Interlocked.Increment(ref _counter):D6}-{destination[(destination.LastIndexOf('/') + 1)..]}");
    }

    /// <summary>
    /// Whether two files can swap places on the trash's file system (where the staging directory and the destination
    /// are too: renames reach them): tried once on two empty files of its own.
    /// </summary>
    private static bool CanExchangeIn(string trash)
    {
        var a = FsNames.Join(trash, "exchange-probe-a");
        var b = FsNames.Join(trash, "exchange-probe-b");
        try
        {
            Posix.OpenWrite(a, 0x180 /* 0600 */).Dispose();
            Posix.OpenWrite(b, 0x180 /* 0600 */).Dispose();
            Posix.RenameExchange(a, b);
            return true;
        }
        catch (PosixException e) when (Posix.IsExchangeUnsupported(e.Errno))
        {
            return false;
        }
        finally
        {
            foreach (var probe in new[] { a, b })
                try { Posix.Unlink(probe); } catch (PosixException) { }
        }
    }

    /// <summary>
    /// A directory being merged, as its children's placement needs it: the names staged and those in place (listed
    /// once; an item moved aside leaves the set), and its metadata before the merge, recorded in the journal just
    /// before the first change in it. Only the directories on the path being merged are held, never the whole app.
    /// </summary>
    private sealed class MergedDirectory(string path, FileStatus before, Dictionary<string, byte[]>? xattrsBefore, List<string> stagedNames, List<string> inPlace)
    {
        public string Path { get; } = path;
        public FileStatus Before { get; } = before;
        public Dictionary<string, byte[]>? XattrsBefore { get; } = xattrsBefore;
        public List<string> StagedNameList { get; } = stagedNames;
        public HashSet<string> StagedNames { get; } = new(stagedNames, StringComparer.Ordinal);
        public List<string> InPlaceNameList { get; } = inPlace;
        public HashSet<string> InPlace { get; } = new(inPlace, StringComparer.Ordinal);
        /// <summary>Its metadata record is written: something in it changes, and its metadata is set at the end.</summary>
        public bool Recorded { get; set; }
    }

    /// <summary>Records the directory's metadata before the first change in it (the undo puts it back).</summary>
    private void BeforeChangeIn(MergedDirectory? directory)
    {
        if (directory is null || directory.Recorded) return;
        Record(new PlacementStep.DirectoryMetadata(directory.Path, directory.Before, directory.XattrsBefore));
        directory.Recorded = true;
    }

    /// <param name="parent">The merged directory the destination is in (null for the path placed): its listings
    /// stand in for a look at each item and its companions.</param>
    private void PlaceItem(string staged, string destination, bool selected, Context context, MergedDirectory? parent)
    {
        var stagedStatus = Posix.LStat(staged);
        var name = destination[(destination.LastIndexOf('/') + 1)..];
        if (stagedStatus.IsRegularFile && MayHaveStaleCompanions(name, parent) && SqliteDatabaseFinder.IsDatabase(staged))
            MoveAsideStaleCompanions(staged, destination, name, context, parent);
        FileStatus current = default;
        bool exists = false;
        // a name the merged directory's listing does not have is not there (the placement moves aside only names it does not stage)
        if (parent is null || parent.InPlace.Contains(name))
        {
            exists = Posix.TryLStat(destination, out current, out int errno);
            if (!exists && errno != Errno.ENOENT) throw new PosixException(errno, "lstat", destination);
        }

        if (stagedStatus.IsDirectory && exists && current.IsDirectory)
        {
            MergeDirectory(staged, destination, current, stagedStatus, selected, context);
            return;
        }
        BeforeChangeIn(parent);
        if (exists)
        {
            if (!current.IsDirectory && !stagedStatus.IsDirectory && context.CanExchange)
            {
                // one atomic step, which leaves the old file at the staged path (for the undo, then the cleanup)
                Record(new PlacementStep.Exchanged(destination, staged, stagedStatus.Device, stagedStatus.Inode));
                Then(() =>
                {
                    BeforeRenameIntoPlace?.Invoke(destination);
                    Posix.RenameExchange(staged, destination);
                });
                Placed++;
                return;
            }
            var saved = context.NextTrashPath(destination);
            if (!current.IsDirectory)
            {
                // recorded before the link: undone, a link that was never made is nothing to put back
                Record(new PlacementStep.Replaced(destination, saved));
                if (TryLink(destination, saved))
                {
                    // the old file stays reachable in the trash; the rename below replaces it atomically
                    Then(() => RenameIntoPlace(staged, destination));
                    Placed++;
                    return;
                }
            }
            Record(new PlacementStep.MovedAside(destination, saved));
            Then(() => Posix.Rename(destination, saved));
        }
        Record(new PlacementStep.Created(destination, staged));
        Then(() =>
        {
            RenameIntoPlace(staged, destination);
            // some file systems touch a moved directory's times (its ".." changed): put the restored ones back
            if (stagedStatus.IsDirectory) Posix.SetTimes(destination, stagedStatus.AccessTime, stagedStatus.ModTime);
        });
        Placed++;
    }

    /// <summary>
    /// Whether a staged file may meet stale companions: in a merged directory, only when one of its companion names is
    /// in place and not staged (so that a file is opened to see whether it is a database only then); otherwise they are looked for.
    /// </summary>
    private static bool MayHaveStaleCompanions(string name, MergedDirectory? parent)
    {
        if (parent is null) return true;
        foreach (var suffix in StaleSqliteFile.Suffixes)
            if (parent.InPlace.Contains(name + suffix) && !parent.StagedNames.Contains(name + suffix)) return true;
        return false;
    }

    /// <summary>
    /// A restored SQLite database must not meet the live -wal, -shm or -journal file of the database it replaces:
    /// SQLite would replay that journal into it. Those the snapshot does not have are moved aside, whatever --delete.
    /// </summary>
    private void MoveAsideStaleCompanions(string staged, string destination, string name, Context context, MergedDirectory? parent)
    {
        foreach (var suffix in StaleSqliteFile.Suffixes)
        {
            var companion = destination + suffix;
            if (parent is not null)
            {
                // one that deletion already moves aside (its rename may still wait for its batch) left the set
                if (!parent.InPlace.Contains(name + suffix) || parent.StagedNames.Contains(name + suffix)) continue;
            }
            else if (Posix.TryLStat(staged + suffix, out _, out _) || !Posix.TryLStat(companion, out _, out _)) continue;
            BeforeChangeIn(parent);
            var saved = context.NextTrashPath(companion);
            Record(new PlacementStep.MovedAside(companion, saved));
            parent?.InPlace.Remove(name + suffix);
            Then(() => Posix.Rename(companion, saved));
            StaleSqliteFiles.Add(new StaleSqliteFile(companion));
        }
    }

    private void MergeDirectory(string staged, string destination, FileStatus current, FileStatus stagedStatus, bool selected, Context context)
    {
        var directory = new MergedDirectory(destination, current, selected ? Xattrs(destination) : null,
            Posix.ListDirectory(staged), Posix.ListDirectory(destination));
        if (selected && context.Delete)
        {
            foreach (var name in directory.InPlaceNameList)
            {
                if (directory.StagedNames.Contains(name)) continue;
                var path = FsNames.Join(destination, name);
                if (_ownDirectories.Contains(path)) continue;
                var status = Posix.LStat(path);
                if (context.IsKept(path, status)) continue;
                BeforeChangeIn(directory);
                var saved = context.NextTrashPath(path);
                Record(new PlacementStep.MovedAside(path, saved));
                directory.InPlace.Remove(name);
                Then(() => Posix.Rename(path, saved));
                Removed++;
            }
        }
        foreach (var name in directory.StagedNameList)
        {
            var child = FsNames.Join(destination, name);
            PlaceItem(FsNames.Join(staged, name), child, selected || context.IsSelected(child), context, directory);
        }
        // after the renames, which touched this directory's times; nothing at all where nothing in it changed and its
        // metadata is already the staged copy's (an unchanged app's directories: most of them)
        if (selected)
        {
            var wanted = Xattrs(staged);
            var before = directory.XattrsBefore!;
            if (!directory.Recorded && !MetadataDiffers(current, before, stagedStatus, wanted)) return;
            BeforeChangeIn(directory);
            Then(() => ApplyMetadata(destination, current, before, stagedStatus, wanted));
        }
        else if (directory.Recorded) Then(() => Posix.SetTimes(destination, current.AccessTime, current.ModTime));
    }

    /// <summary>Whether <see cref="ApplyMetadata"/> would change anything on a directory the merge changed nothing in (its access time aside).</summary>
    private bool MetadataDiffers(in FileStatus current, Dictionary<string, byte[]> xattrs, in FileStatus wanted, Dictionary<string, byte[]> wantedXattrs) =>
        (_restoreOwnership && (current.Uid != wanted.Uid || current.Gid != wanted.Gid))
        || current.Permissions != wanted.Permissions
        || current.ModTime != wanted.ModTime
        || wantedXattrs.Any(x => !xattrs.TryGetValue(x.Key, out var value) || !value.AsSpan().SequenceEqual(x.Value))
        || xattrs.Keys.Any(name => !wantedXattrs.ContainsKey(name) && IsUserXattr(name));

    private static bool IsUserXattr(string name) => name.StartsWith("user.", StringComparison.Ordinal);

    /// <summary>
    /// A merged directory gets the staged copy's metadata, as a renamed item brings its own: owner, mode, extended
    /// attributes (the snapshot's set; user.* attributes it does not have are removed, the other namespaces belong to
    /// the system and are only ever set), then times, which the others would move. Only what differs from
    /// <paramref name="before"/> (the directory before the merge, which renames do not change but for its times).
    /// </summary>
    private void ApplyMetadata(string path, in FileStatus before, Dictionary<string, byte[]> xattrsBefore, in FileStatus status, Dictionary<string, byte[]> xattrs)
    {
        bool changed = false;
        if (_restoreOwnership && (before.Uid != status.Uid || before.Gid != status.Gid))
        {
            Posix.LChown(path, status.Uid, status.Gid);
            changed = true;
        }
        // after a chown too: it may clear bits
        if (changed || before.Permissions != status.Permissions)
        {
            Posix.Chmod(path, status.Permissions);
            changed = true;
        }
        // a changed mode changes an access ACL's mask: then every attribute is set again, as it is now
        if (changed) SetXattrs(path, xattrs, removeUnlisted: IsUserXattr);
        else
        {
            foreach (var name in xattrsBefore.Keys)
                if (!xattrs.ContainsKey(name) && IsUserXattr(name))
                    try { Posix.RemoveXattr(path, name); } catch (PosixException) { }
            foreach (var (name, value) in xattrs)
                if (!xattrsBefore.TryGetValue(name, out var old) || !old.AsSpan().SequenceEqual(value))
                    try { Posix.SetXattr(path, name, value); } catch (PosixException) { }
        }
        Posix.SetTimes(path, status.AccessTime, status.ModTime);
    }

    /// <summary>The entry's extended attributes; empty where the file system has none or they cannot be read.</summary>
    private static Dictionary<string, byte[]> Xattrs(string path)
    {
        var xattrs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            foreach (var name in Posix.ListXattrs(path))
                if (Posix.GetXattr(path, name) is { } value) xattrs[name] = value;
        }
        catch (PosixException) { } // like a restore's: attributes that cannot be read or written are not the app's state
        return xattrs;
    }

    /// <summary>Makes the entry's attributes <paramref name="wanted"/>'s: each set, and those <paramref name="removeUnlisted"/> allows removed when not wanted.</summary>
    private static void SetXattrs(string path, Dictionary<string, byte[]> wanted, Func<string, bool> removeUnlisted)
    {
        foreach (var (name, _) in Xattrs(path))
            if (!wanted.ContainsKey(name) && removeUnlisted(name))
                try { Posix.RemoveXattr(path, name); } catch (PosixException) { }
        foreach (var (name, value) in wanted)
            try { Posix.SetXattr(path, name, value); } catch (PosixException) { }
    }

    /// <summary>Only what differs: a directory the merge never reached may refuse changes (immutable, read-only mount).</summary>
    private static void RestoreMetadata(string path, in FileStatus before, bool restoreOwnership)
    {
        var now = Posix.LStat(path);
        if (restoreOwnership && (now.Uid != before.Uid || now.Gid != before.Gid)) Posix.LChown(path, before.Uid, before.Gid);
        if (now.Permissions != before.Permissions) Posix.Chmod(path, before.Permissions);
        // reading a directory may move its access time; only a changed modification time means it was changed
        if (now.ModTime != before.ModTime) Posix.SetTimes(path, before.AccessTime, before.ModTime);
    }

    /// <summary>Puts back a merged directory's attributes as they were (all of those the merge set or removed).</summary>
    private static void RestoreXattrs(string path, Dictionary<string, byte[]> before) => SetXattrs(path, before, removeUnlisted: _ => true);

    private void RenameIntoPlace(string staged, string destination)
    {
        BeforeRenameIntoPlace?.Invoke(destination);
        Posix.Rename(staged, destination);
    }

    private static bool TryLink(string existing, string link)
    {
        try
        {
            Posix.Link(existing, link);
            return true;
        }
        catch (PosixException)
        {
            return false; // hard links not allowed here: the caller moves the old item aside instead
        }
    }

    /// <summary>
    /// Marks the staging and trash directories as holding what a failed undo could not put back (a swapped file's old
    /// copy waits at its staged path), before the journal goes: without a journal, they are otherwise a completed
    /// restore's leftovers, which recovery removes.
    /// </summary>
    private void MarkKept()
    {
        foreach (var directory in _ownDirectories)
        {
            try
            {
                using var marker = Posix.OpenWrite(FsNames.Join(directory, KeptMarker), 0x1A4 /* 0644 */);
                RandomAccess.Write(marker, "A restore in place failed and could not put these items back: they are what it replaced or removed.\nLifeboat leaves this directory alone; remove it when you no longer need them.\n"u8, 0);
                Posix.Fsync(marker);
            }
            catch (PosixException) { } // the error that follows names the directory anyway
        }
    }

    /// <summary>
    /// Puts back everything this placement changed, newest first, as its journal names it, and removes the journal.
    /// Returns what could not be undone (none when all was).
    /// </summary>
    public UndoFailures Undo()
    {
        _pending.Clear(); // recorded, never carried out: the undo finds them not done
        var failures = new UndoFailures();
        if (_journalFile is not { } journal) return failures; // begun with the journal: nothing was changed yet
        try
        {
            Undo(journal.Path, _restoreOwnership, failures, out _);
        }
        catch (Exception e) when (PlacementJournal.IsUnreadable(e))
        {
            failures.Add($"{journal.Path} cannot be read: {e.Message}");
        }
        if (failures.Count > 0) MarkKept();
        journal.Delete();
        _journalFile = null;
        return failures;
    }

    /// <summary>
    /// Undoes the steps of the journal at <paramref name="journalPath"/> newest first, reading it from its end (memory
    /// does not grow with the number of steps); directory metadata last, because the renames back touch the
    /// directories' times again. Each step is recorded before it is carried out, and a kill may have come before,
    /// during or after it (or during an earlier undo): so each looks at what is there before renaming back, and does
    /// nothing when its rename did not happen or was already undone. The journal is read through once first: one that
    /// cannot be read throws (<see cref="PlacementJournal.IsUnreadable"/>) before anything is undone.
    /// </summary>
    internal static void Undo(string journalPath, bool restoreOwnership, UndoFailures failures, out int putBack)
    {
        foreach (var _ in PlacementJournal.ReadBackward(journalPath)) { }
        putBack = 0;
        foreach (var step in PlacementJournal.ReadBackward(journalPath))
        {
            try
            {
                switch (step)
                {
                    case PlacementStep.Created created:
                        // done when the staged item is gone from the staging directory
                        if (!Exists(created.Staged) && Exists(created.Destination))
                        {
                            Posix.Rename(created.Destination, created.Staged);
                            putBack++;
                        }
                        break;
                    case PlacementStep.Exchanged exchanged:
                        // done when the new file is in place (its inode): the old one, at the staged path, goes back over it
                        if (Posix.TryLStat(exchanged.Destination, out var now, out int errno)
                            ? now.Device == exchanged.Device && now.Inode == exchanged.Inode
                            : errno != Errno.ENOENT ? throw new PosixException(errno, "lstat", exchanged.Destination) : false)
                        {
                            Posix.Rename(exchanged.Staged, exchanged.Destination);
                            putBack++;
                        }
                        break;
                    case PlacementStep.Replaced replaced:
                        // the old file's link in the trash: renamed over the new file (or over itself, a no-op, when the replace never came)
                        if (Exists(replaced.Saved))
                        {
                            Posix.Rename(replaced.Saved, replaced.Destination);
                            putBack++;
                        }
                        break;
                    case PlacementStep.MovedAside moved:
                        if (Exists(moved.Saved) && !Exists(moved.Destination))
                        {
                            Posix.Rename(moved.Saved, moved.Destination);
                            putBack++;
                        }
                        break;
                }
            }
            catch (PosixException e)
            {
                failures.Add(e.Message);
            }
        }
        foreach (var step in PlacementJournal.ReadBackward(journalPath))
        {
            if (step is not PlacementStep.DirectoryMetadata metadata) continue;
            try
            {
                if (metadata.XattrsBefore is { } xattrs) RestoreXattrs(metadata.Destination, xattrs);
                RestoreMetadata(metadata.Destination, metadata.Before, restoreOwnership);
            }
            catch (PosixException e)
            {
                failures.Add(e.Message);
            }
        }
    }

    private static bool Exists(string path)
    {
        if (Posix.TryLStat(path, out _, out int errno)) return true;
        return errno == Errno.ENOENT ? false : throw new PosixException(errno, "lstat", path);
    }
}

/// <summary>What an undo could not put back: how many steps, and the first few messages (not one per item: that would grow with the app).</summary>
internal sealed class UndoFailures
{
    private const int Kept = 10;
    private readonly List<string> _first = [];

    public int Count { get; private set; }
    /// <summary>The first messages, at most ten.</summary>
    public IReadOnlyList<string> First => _first;

    public void Add(string message)
    {
        Count++;
        if (_first.Count < Kept) _first.Add(message);
    }
}
