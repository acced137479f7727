using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Platform;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.State;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// The write-ahead journal of an in-place restore's placement: what it records comes back exactly, and a placement
/// killed before any of its renames into place is rolled back by the next command to exactly the old files.
/// </summary>
public sealed class PlacementJournalTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>A process that has ended, as the writer of a killed restore's journal is.</summary>
    private static readonly ProcessIdentity Ended = new(int.MaxValue - 7, 1, ProcessIdentity.CurrentBoot);

    [Fact]
    public void EveryStepKindRoundTripsExactly_IncludingNamesThatAreNotUtf8()
    {
        var trash = _temp.Combine(".lifeboat-trash-0001");
        Directory.CreateDirectory(trash);
        var odd = "/srv/app/" + Raw("caf", 0xE9) + Raw("-", 0xFF);
        Assert.True(FsNames.HasEscapes(odd));
        var status = new FileStatus
        {
            Device = 2049, Inode = 123456789012, Mode = 0x41ED, Links = 3, Uid = 1000, Gid = 100, RDevice = 0, Size = 4096, Blocks = 8,
            AccessTime = new Timespec(1_700_000_000, 123), ModTime = new Timespec(1_700_000_001, 999_999_999), ChangeTime = new Timespec(1_700_000_002, 5),
        };
        var xattrs = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["user.note"] = [0, 1, 255], ["user.empty"] = [] };
        PlacementStep[] steps =
        [
            new PlacementStep.DirectoryMetadata("/srv/app", status, xattrs),
            new PlacementStep.DirectoryMetadata("/srv/app/sub", status, null),
            new PlacementStep.MovedAside(odd, trash + "/000001-x"),
            new PlacementStep.Replaced("/srv/app/a.txt", trash + "/000002-a.txt"),
            new PlacementStep.Exchanged(odd + "/b", "/srv/.lifeboat-restore-1/app/" + Raw("b", 0xFE), ulong.MaxValue - 3, 123456789012345),
            new PlacementStep.Created(odd + "/ü", "/srv/.lifeboat-restore-1/app/" + odd),
        ];
        var header = new PlacementJournalHeader("web", Ended, new DateTimeOffset(2026, 12, 5, 13, 0, 0, TimeSpan.Zero), ["/srv/.lifeboat-restore-1", trash, odd]);
        using (var journal = PlacementJournal.Create(trash, header))
            foreach (var step in steps) journal.Add(step);

        var path = FsNames.Join(trash, PlacementJournal.FileName);
        var readHeader = PlacementJournal.ReadHeader(path);
        var readSteps = PlacementJournal.ReadBackward(path).Reverse().ToList();
        Assert.Equal(header.App, readHeader.App);
        Assert.Equal(header.Writer, readHeader.Writer);
        Assert.Equal(header.Time, readHeader.Time);
        Assert.Equal(header.OwnDirectories, readHeader.OwnDirectories);
        Assert.Equal(steps.Length, readSteps.Count);
        for (int i = 0; i < steps.Length; i++)
        {
            if (steps[i] is PlacementStep.DirectoryMetadata expected)
            {
                var actual = Assert.IsType<PlacementStep.DirectoryMetadata>(readSteps[i]);
                Assert.Equal(expected.Destination, actual.Destination);
                Assert.Equal(expected.Before, actual.Before);
                if (expected.XattrsBefore is null) Assert.Null(actual.XattrsBefore);
                else Assert.Equal(expected.XattrsBefore.OrderBy(x => x.Key, StringComparer.Ordinal), actual.XattrsBefore!.OrderBy(x => x.Key, StringComparer.Ordinal));
            }
            else Assert.Equal(steps[i], readSteps[i]);
        }
    }

    [Fact]
    public void ALastRecordCutByTheKillIsLeftOut()
    {
        var trash = _temp.Combine(".lifeboat-trash-0002");
        Directory.CreateDirectory(trash);
        using (var journal = PlacementJournal.Create(trash, new PlacementJournalHeader("web", Ended, DateTimeOffset.UtcNow, [trash])))
            journal.Add(new PlacementStep.Created("/srv/app/a", "/srv/.lifeboat-restore-1/app/a"));
        var path = Path.Combine(trash, PlacementJournal.FileName);
        File.AppendAllText(path, "{\"kind\":\"created\",\"destination\":\"/srv/ap");
        Assert.Equal([new PlacementStep.Created("/srv/app/a", "/srv/.lifeboat-restore-1/app/a")], PlacementJournal.ReadBackward(path));
    }

    /// <summary>
    /// The placement is killed before its 1st, 2nd, ... rename into place (after the steps before it, moves aside for
    /// --delete included, and with the killed step's record written); the recovery must bring back exactly the old tree.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)] // a file system that cannot swap two files: hard links in the trash
    public void APlacementKilledBeforeAnyOfItsRenamesIsRolledBackToExactlyTheOldFiles(bool exchange)
    {
        int kills = 0;
        for (int killAt = 1; ; killAt++)
        {
            using var temp = new TempDirectory();
            var parent = temp.Combine("srv");
            var app = Path.Combine(parent, "app");
            MakeOld(app);
            var before = temp.Combine("before");
            TestData.CopyTree(app, before);

            var (placement, staged, trash) = Stage(parent, app, killAt, exchange: exchange);
            try
            {
                placement.Place(staged, app, trash, _ => true, delete: true, (_, _) => false);
                placement.Complete();
            }
            catch (SimulatedKill)
            {
                placement.AbandonJournal(); // the process is gone: no undo, no cleanup
            }
            catch (Exception e)
            {
                Assert.Fail($"kill before rename {killAt}: {e}");
            }
            var lines = PlacementRecovery.RunIn(parent);
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(parent), p => Path.GetFileName(p).StartsWith(".lifeboat-trash-", StringComparison.Ordinal) && File.Exists(Path.Combine(p, PlacementJournal.FileName)));
            if (lines.Count == 0)
            {
                // the placement was complete: the new files, and no journal left to undo them
                Assert.Equal("new a", File.ReadAllText(Path.Combine(app, "a.txt")));
                Assert.False(File.Exists(Path.Combine(app, "b.txt")));
                break;
            }
            kills++;
            var line = Assert.Single(lines);
            Assert.StartsWith("app web: a restore killed at ", line);
            Assert.Contains(" was rolled back: ", line);
            TreeComparer.AssertSame(before, app, new TreeCompareOptions { CompareRootMetadata = true });
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(parent), p => Path.GetFileName(p).StartsWith(".lifeboat-", StringComparison.Ordinal));
            Assert.Empty(PlacementRecovery.RunIn(parent)); // and done once: nothing left to roll back
        }
        Assert.True(kills >= 6, $"only {kills} kill points");
    }

    [Fact]
    public void NamesThatAreNotUtf8ArePutBackExactly()
    {
        var parent = _temp.Combine("srv");
        var app = Path.Combine(parent, "app");
        Directory.CreateDirectory(app);
        var old = FsNames.Join(app, Raw("old-", 0xFF));
        var replaced = FsNames.Join(app, Raw("both-", 0xFE));
        WriteFile(old, "old only");
        WriteFile(replaced, "old both");
        var (placement, staged, trash) = Stage(parent, app, killAt: 2, fill: stagedApp =>
        {
            WriteFile(FsNames.Join(stagedApp, Raw("both-", 0xFE)), "new both");
            WriteFile(FsNames.Join(stagedApp, Raw("new-", 0xFD)), "new only");
        });
        Assert.Throws<SimulatedKill>(() => placement.Place(staged, app, trash, _ => true, delete: true, (_, _) => false));
        placement.AbandonJournal();

        Assert.Single(PlacementRecovery.RunIn(parent));
        Assert.Equal("old only", ReadFile(old));
        Assert.Equal("old both", ReadFile(replaced));
        Assert.Equal(2, Posix.ListDirectory(app).Count);
    }

    [Fact]
    public void AJournalWhoseRestoreStillRunsIsLeftAlone()
    {
        var parent = _temp.Combine("srv");
        var app = Path.Combine(parent, "app");
        MakeOld(app);
        var placement = new StagedPlacement(); // written by this process, which runs
        var staging = placement.MakeOwnDirectory(parent, StagedPlacement.StagingPrefix);
        var trash = placement.MakeOwnDirectory(parent, StagedPlacement.TrashPrefix);
        placement.BeginJournal(trash, "web");
        placement.AbandonJournal();
        Assert.Empty(PlacementRecovery.RunIn(parent));
        Assert.True(File.Exists(Path.Combine(trash, PlacementJournal.FileName)));
        Assert.True(Directory.Exists(staging));
    }

    /// <summary>
    /// Thousands of steps: the renames wait in batches behind one sync of their records each. A kill in a later batch
    /// is rolled back exactly; without a kill, a database's live -wal that deletion moves aside is not moved twice.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void APlacementOfManyBatchesIsRolledBackExactlyWhereverKilled(bool exchange)
    {
        const int files = 1300;
        foreach (int killAt in new[] { StagedPlacement.StepsPerSync + 3, 2 * files - 5, int.MaxValue })
        {
            using var temp = new TempDirectory();
            var parent = temp.Combine("srv");
            var app = Path.Combine(parent, "app");
            Directory.CreateDirectory(app);
            for (int i = 0; i < files; i++) File.WriteAllText(Path.Combine(app, $"f{i:D5}"), $"old {i}");
            File.WriteAllBytes(Path.Combine(app, "app.db"), [.. "SQLite format 3\0"u8, 1, 2]);
            File.WriteAllText(Path.Combine(app, "app.db-wal"), "live wal");
            var before = temp.Combine("before");
            TestData.CopyTree(app, before);
            var (placement, staged, trash) = Stage(parent, app, killAt, fill: stagedApp =>
            {
                for (int i = 0; i < files; i++) File.WriteAllText(Path.Combine(stagedApp, $"f{i:D5}"), $"new {i}");
                File.WriteAllBytes(Path.Combine(stagedApp, "app.db"), [.. "SQLite format 3\0"u8, 9, 9]);
                for (int i = 0; i < files; i++) File.WriteAllText(Path.Combine(stagedApp, $"n{i:D5}"), $"added {i}");
            }, exchange);
            try
            {
                placement.Place(staged, app, trash, _ => true, delete: true, (_, _) => false);
                placement.Complete();
                Assert.Equal(int.MaxValue, killAt);
                Assert.Equal("new 7", File.ReadAllText(Path.Combine(app, "f00007")));
                Assert.Equal("added 1299", File.ReadAllText(Path.Combine(app, "n01299")));
                Assert.False(File.Exists(Path.Combine(app, "app.db-wal")));
                Assert.Equal(1, placement.Removed);
                continue;
            }
            catch (SimulatedKill)
            {
                placement.AbandonJournal();
            }
            var line = Assert.Single(PlacementRecovery.RunIn(parent), l => l.Contains(" was rolled back: ", StringComparison.Ordinal));
            TreeComparer.AssertSame(before, app, new TreeCompareOptions { CompareRootMetadata = true });
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(parent), p => Path.GetFileName(p).StartsWith(".lifeboat-", StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// A journal is read from its end a block at a time: records that straddle blocks, and one longer than the block
    /// (a directory with large extended attributes), come back whole, newest first; a record cut by the kill is left out.
    /// </summary>
    [Fact]
    public void AJournalReadBackwardGivesEveryStepNewestFirst_AcrossBlocksAndWithRecordsLongerThanABlock()
    {
        var trash = _temp.Combine(".lifeboat-trash-0003");
        Directory.CreateDirectory(trash);
        var status = new FileStatus { Mode = 0x41ED, ModTime = new Timespec(1_700_000_001, 7) };
        var big = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["user.big"] = Enumerable.Range(0, 150_000).Select(i => (byte)i).ToArray(), // ~200 KB of base64: three blocks
        };
        var steps = new List<PlacementStep>();
        for (int i = 0; i < 5000; i++)
        {
            steps.Add((i % 7) switch
            {
                0 => new PlacementStep.DirectoryMetadata($"/srv/app/d{i}", status with { Size = i }, i == 2100 ? big : null),
                1 or 2 => new PlacementStep.Created($"/srv/app/d{i / 7 * 7}/{new string('n', i % 300)}", $"/srv/.lifeboat-restore-1/app/{i}"),
                3 => new PlacementStep.MovedAside($"/srv/app/gone-{i}", $"{trash}/{i:D6}-gone"),
                _ => new PlacementStep.Replaced($"/srv/app/f{i}", $"{trash}/{i:D6}-f{i}"),
            });
        }
        using (var journal = PlacementJournal.Create(trash, new PlacementJournalHeader("web", Ended, DateTimeOffset.UtcNow, [trash])))
            foreach (var step in steps) journal.Add(step);
        var path = Path.Combine(trash, PlacementJournal.FileName);
        Assert.True(new FileInfo(path).Length > 3 * 64 * 1024);
        File.AppendAllText(path, "{\"kind\":\"replaced\",\"destination\":\"/srv/ap");

        var read = PlacementJournal.ReadBackward(path).ToList();
        Assert.Equal(steps.Count, read.Count);
        for (int i = 0; i < steps.Count; i++)
        {
            var actual = read[steps.Count - 1 - i];
            if (steps[i] is PlacementStep.DirectoryMetadata expected)
            {
                var metadata = Assert.IsType<PlacementStep.DirectoryMetadata>(actual);
                Assert.Equal(expected.Destination, metadata.Destination);
                Assert.Equal(expected.Before, metadata.Before);
                Assert.Equal(expected.XattrsBefore?["user.big"], metadata.XattrsBefore?["user.big"]);
            }
            else Assert.Equal(steps[i], actual);
        }
        Assert.Equal("web", PlacementJournal.ReadHeader(path).App);
    }

    /// <summary>
    /// A placement of thousands of steps (merged directories, replaced and new files, whole new directories, items
    /// moved aside by deletion) fails part way, several sync batches in: the undo, which reads the steps back from the
    /// journal's file, puts back exactly the old tree, metadata of the merged directories included, and removes the journal.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)] // a file system that cannot swap two files: hard links in the trash
    public void AnUndoAfterAFailurePartWayThroughALargePlacementPutsBackEverything(bool exchange)
    {
        foreach (int failAt in new[] { 3 * StagedPlacement.StepsPerSync + 17, LargeRenames - 2 })
        {
            using var temp = new TempDirectory();
            var (placement, app, staged, trash, before) = StageLarge(temp, failAt, () => new IOException("No space left on device"), exchange);
            var error = Assert.Throws<IOException>(() => placement.Place(staged, app, trash, _ => true, delete: true, (_, _) => false));
            Assert.Equal("No space left on device", error.Message);
            var journal = Path.Combine(trash, PlacementJournal.FileName);
            Assert.True(File.ReadLines(journal).Count() > 2 * StagedPlacement.StepsPerSync);
            // the files were swapped into place where the file system can (ext4, xfs, btrfs, tmpfs), else linked into the trash
            Assert.Contains(File.ReadLines(journal), l => l.Contains(exchange ? "\"kind\":\"exchanged\"" : "\"kind\":\"replaced\"", StringComparison.Ordinal));

            var failures = placement.Undo();
            Assert.Equal(0, failures.Count);
            Assert.False(File.Exists(journal));
            TreeComparer.AssertSame(before, app, new TreeCompareOptions { CompareRootMetadata = true });
            // what was created in place went back to the staging directory, a new directory whole
            Assert.Equal("added 0", File.ReadAllText(Path.Combine(staged, "d00/added/x")));
            Assert.Equal("added 0 19", File.ReadAllText(Path.Combine(staged, "d00/n019")));
            placement.Dispose();
        }
    }

    /// <summary>The same large placement killed part way (nothing undoes it in the process): the next command's recovery puts back exactly the old tree.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ALargePlacementKilledPartWayIsRolledBackByTheNextCommand(bool exchange)
    {
        using var temp = new TempDirectory();
        var (placement, app, staged, trash, before) = StageLarge(temp, 2 * StagedPlacement.StepsPerSync + 100, () => new SimulatedKill(), exchange);
        Assert.Throws<SimulatedKill>(() => placement.Place(staged, app, trash, _ => true, delete: true, (_, _) => false));
        placement.AbandonJournal();

        var line = Assert.Single(PlacementRecovery.RunIn(Path.GetDirectoryName(app)!));
        Assert.Matches("^app web: a restore killed at .* was rolled back: [0-9]+ items put back$", line);
        TreeComparer.AssertSame(before, app, new TreeCompareOptions { CompareRootMetadata = true });
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(app)!), p => Path.GetFileName(p).StartsWith(".lifeboat-", StringComparison.Ordinal));
    }

    /// <summary>
    /// An unchanged app's directories that only hold directories (most of a Plex library's) are not touched at all:
    /// nothing is written to them, nor journaled; those whose files were replaced get the staged times back.
    /// </summary>
    [Fact]
    public void DirectoriesThePlacementChangesNothingInAreLeftUntouched()
    {
        var parent = _temp.Combine("srv");
        var app = Path.Combine(parent, "app");
        Directory.CreateDirectory(Path.Combine(app, "a/b/c"));
        File.WriteAllText(Path.Combine(app, "a/b/c/file"), "old");
        foreach (var dir in new[] { "a/b/c", "a/b", "a", "" })
            Posix.SetTimes(Path.Combine(app, dir).TrimEnd('/'), new Timespec(1_600_000_000, 0), new Timespec(1_600_000_000, 0));
        var placement = new StagedPlacement { JournalWriter = Ended };
        var staging = placement.MakeOwnDirectory(parent, StagedPlacement.StagingPrefix);
        var trash = placement.MakeOwnDirectory(parent, StagedPlacement.TrashPrefix);
        var staged = FsNames.Join(staging, "app");
        TestData.CopyTree(app, staged);
        File.WriteAllText(Path.Combine(staged, "a/b/c/file"), "new");
        Posix.SetTimes(Path.Combine(staged, "a/b/c"), new Timespec(1_600_000_000, 0), new Timespec(1_600_000_000, 0));
        var ctimes = new[] { "a/b", "a" }.Select(d => Posix.LStat(Path.Combine(app, d)).ChangeTime).ToList();
        Thread.Sleep(20); // a change now would show in the change times
        placement.BeginJournal(trash, "web");
        placement.Place(staged, app, trash, _ => true, delete: true, (_, _) => false);
        var journal = File.ReadAllLines(Path.Combine(trash, PlacementJournal.FileName));
        placement.Complete();

        Assert.Equal("new", File.ReadAllText(Path.Combine(app, "a/b/c/file")));
        Assert.Equal(ctimes, new[] { "a/b", "a" }.Select(d => Posix.LStat(Path.Combine(app, d)).ChangeTime));
        Assert.Equal(new Timespec(1_600_000_000, 0), Posix.LStat(Path.Combine(app, "a/b/c")).ModTime);
        // the header, c's metadata, the file's swap, and the app's own directory (its parent gained the staging and trash directories: not here)
        Assert.DoesNotContain(journal, l => l.Contains("\"destination\":\"" + Path.Combine(app, "a") + "\"", StringComparison.Ordinal));
        Assert.DoesNotContain(journal, l => l.Contains("\"destination\":\"" + Path.Combine(app, "a/b") + "\"", StringComparison.Ordinal));
        Assert.Contains(journal, l => l.Contains("\"destination\":\"" + Path.Combine(app, "a/b/c") + "\"", StringComparison.Ordinal));
        placement.Dispose();
    }

    /// <summary>How many renames into place the large placement makes: per directory, 100 replaced files, 20 new ones and one new directory.</summary>
    private const int LargeRenames = 40 * 121;

    /// <summary>
    /// An app of 40 directories of 100 files each (plus a file and a directory that the snapshot lacks, and extended
    /// attributes, modes and times on the directories) and its staged restore with every file new, 20 new files and a
    /// new directory in each; the placement fails with <paramref name="failure"/> before its <paramref name="failAt"/>th rename into place.
    /// </summary>
    private static (StagedPlacement Placement, string App, string Staged, string Trash, string Before) StageLarge(TempDirectory temp, int failAt, Func<Exception> failure, bool exchange)
    {
        var parent = temp.Combine("srv");
        var app = Path.Combine(parent, "app");
        for (int d = 0; d < 40; d++)
        {
            var dir = Path.Combine(app, $"d{d:D2}");
            Directory.CreateDirectory(Path.Combine(dir, "old-only"));
            File.WriteAllText(Path.Combine(dir, "old-only/o"), $"old only {d}");
            File.WriteAllText(Path.Combine(dir, "gone.txt"), $"gone {d}");
            for (int f = 0; f < 100; f++) File.WriteAllText(Path.Combine(dir, $"f{f:D3}"), $"old {d} {f}");
            Posix.SetXattr(dir, "user.version", "old"u8);
            Posix.Chmod(dir, 0x1ED /* 0755 */);
            Posix.SetTimes(dir, new Timespec(1_600_000_000 + d, 0), new Timespec(1_600_000_000 + d, 0));
        }
        Posix.SetTimes(app, new Timespec(1_600_000_000, 0), new Timespec(1_600_000_000, 0));
        var before = temp.Combine("before");
        TestData.CopyTree(app, before);

        int renames = 0;
        var placement = new StagedPlacement
        {
            JournalWriter = Ended,
            BeforeRenameIntoPlace = _ => { if (++renames == failAt) throw failure(); },
            UseExchange = exchange,
        };
        var staging = placement.MakeOwnDirectory(parent, StagedPlacement.StagingPrefix);
        var trash = placement.MakeOwnDirectory(parent, StagedPlacement.TrashPrefix);
        var staged = FsNames.Join(staging, "app");
        for (int d = 0; d < 40; d++)
        {
            var dir = Path.Combine(staged, $"d{d:D2}");
            Directory.CreateDirectory(Path.Combine(dir, "added"));
            File.WriteAllText(Path.Combine(dir, "added/x"), $"added {d}");
            for (int f = 0; f < 100; f++) File.WriteAllText(Path.Combine(dir, $"f{f:D3}"), $"new {d} {f}");
            for (int f = 0; f < 20; f++) File.WriteAllText(Path.Combine(dir, $"n{f:D3}"), $"added {d} {f}");
            Posix.SetXattr(dir, "user.version", "new"u8);
            Posix.Chmod(dir, 0x1E8 /* 0750 */);
        }
        placement.BeginJournal(trash, "web");
        return (placement, app, staged, trash, before);
    }

    /// <summary>
    /// A restore killed while it staged (no journal yet) leaves its staging and trash directories; the next command
    /// removes them, but not those of a restore that runs now (it holds their locks), nor a trash directory a failed
    /// undo marked as holding what it could not put back.
    /// </summary>
    [Fact]
    public void LeftoversOfInterruptedRestoresAreRemoved_ButNotThoseInUseOrKeptByAFailedUndo()
    {
        var parent = _temp.Combine("srv");
        var app = Path.Combine(parent, "app");
        MakeOld(app);
        var killed = new StagedPlacement();
        var killedStaging = killed.MakeOwnDirectory(parent, StagedPlacement.StagingPrefix);
        var killedTrash = killed.MakeOwnDirectory(parent, StagedPlacement.TrashPrefix);
        Directory.CreateDirectory(Path.Combine(killedStaging, "app/sub"));
        File.WriteAllText(Path.Combine(killedStaging, "app/sub/half-written"), "new");
        killed.AbandonJournal(); // the kill: its locks are gone with its descriptors

        // a completed placement killed while it cleaned up: the journal is gone, the trash holds the replaced files
        var (completed, completedStaged, completedTrash) = Stage(parent, app, killAt: int.MaxValue);
        completed.Place(completedStaged, app, completedTrash, _ => true, delete: true, (_, _) => false);
        completed.Complete();
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries(completedTrash));
        completed.AbandonJournal();

        using var running = new StagedPlacement();
        var runningStaging = running.MakeOwnDirectory(parent, StagedPlacement.StagingPrefix);
        var runningTrash = running.MakeOwnDirectory(parent, StagedPlacement.TrashPrefix);

        var kept = Path.Combine(parent, StagedPlacement.TrashPrefix + "kept");
        Directory.CreateDirectory(kept);
        File.WriteAllText(Path.Combine(kept, "000001-a.txt"), "what the user still needs");
        File.WriteAllText(Path.Combine(kept, StagedPlacement.KeptMarker), "kept");

        var lines = PlacementRecovery.RunIn(parent);
        Assert.Equal(4, lines.Count);
        Assert.All(lines, l => Assert.Matches("^removed .*/\\.lifeboat-(restore|trash)-[0-9a-f]+, left by an interrupted restore", l));
        Assert.False(Directory.Exists(killedStaging));
        Assert.False(Directory.Exists(killedTrash));
        Assert.False(Directory.Exists(Path.GetDirectoryName(completedStaged)));
        Assert.False(Directory.Exists(completedTrash));
        Assert.True(Directory.Exists(runningStaging));
        Assert.True(Directory.Exists(runningTrash));
        Assert.Equal("what the user still needs", File.ReadAllText(Path.Combine(kept, "000001-a.txt")));
        Assert.Equal("new a", File.ReadAllText(Path.Combine(app, "a.txt"))); // the completed restore stays
        Assert.Empty(PlacementRecovery.RunIn(parent));
    }

    /// <summary>An undo that cannot put everything back marks its trash, which recovery then never removes.</summary>
    [Fact]
    public void AFailedUndoMarksItsTrashAsKept_AndRecoveryLeavesIt()
    {
        var parent = _temp.Combine("srv");
        var app = Path.Combine(parent, "app");
        MakeOld(app);
        var (placement, staged, trash) = Stage(parent, app, killAt: int.MaxValue);
        placement.Place(staged, app, trash, _ => true, delete: true, (_, _) => false);
        // the staging directory vanishes before the undo: the created items have nowhere to go back to
        Directory.Delete(Path.GetDirectoryName(staged)!, recursive: true);
        var failures = placement.Undo();
        Assert.True(failures.Count > 0);
        Assert.True(File.Exists(Path.Combine(trash, StagedPlacement.KeptMarker)));
        Assert.False(File.Exists(Path.Combine(trash, PlacementJournal.FileName)));
        placement.AbandonJournal();

        Assert.Empty(PlacementRecovery.RunIn(parent));
        Assert.Equal("old b", File.ReadAllText(Path.Combine(app, "b.txt")));
        Assert.True(Directory.Exists(trash));
    }

    private static void MakeOld(string app)
    {
        Directory.CreateDirectory(Path.Combine(app, "sub/gone"));
        Directory.CreateDirectory(Path.Combine(app, "d"));
        File.WriteAllText(Path.Combine(app, "a.txt"), "old a");
        File.WriteAllText(Path.Combine(app, "b.txt"), "old b");
        File.WriteAllText(Path.Combine(app, "sub/x"), "old x");
        File.WriteAllText(Path.Combine(app, "sub/gone/g"), "old g");
        File.WriteAllText(Path.Combine(app, "d/inside"), "old d");
        File.WriteAllText(Path.Combine(app, "z.txt"), "old z");
        Posix.SetXattr(app, "user.version", "old"u8);
        Posix.Chmod(app, 0x1ED /* 0755 */);
        foreach (var dir in new[] { Path.Combine(app, "sub/gone"), Path.Combine(app, "sub"), Path.Combine(app, "d"), app })
            Posix.SetTimes(dir, new Timespec(1_600_000_000, 0), new Timespec(1_600_000_000, 0));
    }

    /// <summary>A placement whose journal names an ended process, killed before its <paramref name="killAt"/>th rename into place.</summary>
    private static (StagedPlacement Placement, string Staged, string Trash) Stage(string parent, string app, int killAt, Action<string>? fill = null, bool exchange = true)
    {
        int renames = 0;
        var placement = new StagedPlacement
        {
            JournalWriter = Ended,
            BeforeRenameIntoPlace = _ => { if (++renames == killAt) throw new SimulatedKill(); },
            UseExchange = exchange,
        };
        var staging = placement.MakeOwnDirectory(parent, StagedPlacement.StagingPrefix);
        var trash = placement.MakeOwnDirectory(parent, StagedPlacement.TrashPrefix);
        var staged = FsNames.Join(staging, "app");
        Directory.CreateDirectory(staged);
        if (fill is not null) fill(staged);
        else
        {
            Directory.CreateDirectory(Path.Combine(staged, "sub/new"));
            File.WriteAllText(Path.Combine(staged, "a.txt"), "new a");
            File.WriteAllText(Path.Combine(staged, "c.txt"), "new c");
            File.WriteAllText(Path.Combine(staged, "d"), "d is a file now");
            File.WriteAllText(Path.Combine(staged, "sub/x"), "new x");
            File.WriteAllText(Path.Combine(staged, "sub/new/y"), "new y");
            File.WriteAllText(Path.Combine(staged, "z.txt"), "new z");
            Posix.SetXattr(staged, "user.version", "new"u8);
            Posix.Chmod(staged, 0x1E8 /* 0750 */);
        }
        placement.BeginJournal(trash, "web");
        return (placement, staged, trash);
    }

    /// <summary>A name of <paramref name="ascii"/> and one byte that is not UTF-8, as the engine carries it.</summary>
    private static string Raw(string ascii, byte notUtf8) => FsNames.FromBytes([.. Encoding.ASCII.GetBytes(ascii), notUtf8]);

    private static void WriteFile(string path, string text)
    {
        using var handle = Posix.OpenWrite(path, 0x1A4 /* 0644 */);
        RandomAccess.Write(handle, Encoding.UTF8.GetBytes(text), 0);
    }

    private static string ReadFile(string path)
    {
        using var handle = Posix.OpenRead(path);
        var buffer = new byte[RandomAccess.GetLength(handle)];
        RandomAccess.Read(handle, buffer, 0);
        return Encoding.UTF8.GetString(buffer);
    }

    /// <summary>The SIGKILL, as a test can have it: the placement stops where it is, and nothing undoes it.</summary>
    private sealed class SimulatedKill : Exception;

    public void Dispose() => _temp.Dispose();
}
