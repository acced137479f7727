using Lifeboat.Engine;
using Lifeboat.Engine.Platform;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>A second backup with a parent reuses unchanged files; a changed file is the only one read.</summary>
public sealed class IncrementalTests
{
    [Fact]
    public async Task SecondBackup_ReusesUnchangedFiles_AndOnlyReadsTheChangedOne()
    {
        using var work = new TempDirectory("lifeboat-inc");
        var source = work.Combine("src");
        var summary = EdgeCaseTree.Create(source, includeLargeFiles: false);
        long regularFileNames = summary.Files + summary.HardLinkNames;
        var repoPath = work.Combine("repo");
        var changed = FsNames.Join(source, "text/lines.txt");
        var originalContent = ReadFile(changed);

        Id first, second, third;
        await using (var repo = await InitAsync(repoPath, 2))
        {
            var r1 = await BackupAsync(repo, [source]);
            Assert.Equal(0, r1.Statistics.Errors);
            Assert.Equal(regularFileNames, r1.Statistics.FilesNew);
            first = r1.SnapshotId!.Value;

            var r2 = await BackupAsync(repo, [source]);
            Assert.Equal(0, r2.Statistics.Errors);
            Assert.Equal(first, r2.Parent?.Id);
            Assert.Equal(regularFileNames, r2.Statistics.FilesUnmodified);
            Assert.Equal(0, r2.Statistics.FilesNew + r2.Statistics.FilesChanged);
            Assert.Equal(0, r2.Statistics.DataBlobs);
            // The directories above the source (/tmp and so on) are stored with their metadata too, and other
            // tests running at the same time change /tmp's mtime: only those trees may be new.
            int ancestors = source.Split('/', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.True(r2.Statistics.TreeBlobs <= ancestors, $"{r2.Statistics.TreeBlobs} new trees for an unchanged source");
            var sourceNode1 = await repo.FindNodeAsync(r1.Snapshot.Tree, source, Ct);
            var sourceNode2 = await repo.FindNodeAsync(r2.Snapshot.Tree, source, Ct);
            Assert.Equal(sourceNode1!.Subtree, sourceNode2!.Subtree);
            second = r2.SnapshotId!.Value;

            // Change one file, keeping its size and mtime's second but not its content: ctime and ns mtime move.
            var changedBytes = (byte[])originalContent.Clone();
            changedBytes[10] ^= 0x01;
            File.SetUnixFileMode(changed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            await File.WriteAllBytesAsync(changed, changedBytes, Ct);

            var r3 = await BackupAsync(repo, [source]);
            Assert.Equal(0, r3.Statistics.Errors);
            Assert.Equal(second, r3.Parent?.Id);
            Assert.Equal(1, r3.Statistics.FilesChanged);
            Assert.Equal(0, r3.Statistics.FilesNew);
            Assert.Equal(regularFileNames - 1, r3.Statistics.FilesUnmodified);
            Assert.True(r3.Statistics.DataBlobs >= 1);
            Assert.True(r3.Statistics.DataAdded <= originalContent.Length + 64 * 1024,
                $"only the changed file should be stored anew, but {r3.Statistics.DataAdded} bytes were added");
            third = r3.SnapshotId!.Value;
        }

        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic);

        var restoreFirst = work.Combine("r1");
        restic.Restore(first.ToString(), restoreFirst);
        var diffs = TreeComparer.Compare(source, restoreFirst + source,
            new TreeCompareOptions { IgnoreNames = new HashSet<string> { "text/lines.txt" } });
        Assert.True(diffs.Count == 0, Differences(diffs));
        Assert.Equal(originalContent, ReadFile(FsNames.Join(restoreFirst + source, "text/lines.txt")));

        var restoreThird = work.Combine("r3");
        restic.Restore(third.ToString(), restoreThird);
        diffs = TreeComparer.Compare(source, restoreThird + source);
        Assert.True(diffs.Count == 0, Differences(diffs));

        // Lifeboat restores both as well.
        await using var reopened = await OpenAsync(repoPath);
        foreach (var (id, expectChangedOnly) in new[] { (first, true), (third, false) })
        {
            var target = work.Combine("lb-" + id.ToShortString());
            var snap = await reopened.LoadSnapshotAsync(id, Ct);
            var (_, errors) = await RestoreAsync(reopened, snap.Tree, target);
            Assert.True(errors.Items.IsEmpty, errors.ToString());
            var d = TreeComparer.Compare(source, target + source, expectChangedOnly
                ? new TreeCompareOptions { IgnoreNames = new HashSet<string> { "text/lines.txt" } }
                : null);
            Assert.True(d.Count == 0, Differences(d));
        }
    }
}
