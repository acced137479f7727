using Lifeboat.Engine.Platform;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Platform;

public sealed class TreeComparerTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _expected;
    private readonly string _actual;

    public TreeComparerTests()
    {
        _expected = _temp.Combine("expected");
        _actual = _temp.Combine("actual");
    }

    public void Dispose() => _temp.Dispose();

    private static string Combine(string root, string relative) => FsNames.Join(root, relative);

    [Fact]
    public void TwoTreesFromTheSameSeedAreIdentical()
    {
        var first = EdgeCaseTree.Create(_expected, seed: 7, includeLargeFiles: false);
        var second = EdgeCaseTree.Create(_actual, seed: 7, includeLargeFiles: false);
        Assert.Equal(first, second);
        Assert.Empty(TreeComparer.Compare(_expected, _actual, new TreeCompareOptions()));
    }

    [Fact]
    public void DifferentSeedsDifferOnlyInRandomContent()
    {
        EdgeCaseTree.Create(_expected, seed: 1, includeLargeFiles: false);
        EdgeCaseTree.Create(_actual, seed: 2, includeLargeFiles: false);
        var differences = TreeComparer.Compare(_expected, _actual, new TreeCompareOptions());
        Assert.NotEmpty(differences);
        Assert.All(differences, d => Assert.Contains("content differs", d));
    }

    [Fact]
    public void CreateRefusesANonEmptyRoot()
    {
        Posix.MakeDirectory(_expected, 0x1ED);
        using (Posix.OpenWrite(Combine(_expected, "x"), 0x1A4)) { }
        Assert.Throws<InvalidOperationException>(() => EdgeCaseTree.Create(_expected));
    }

    [Fact]
    public void EachKindOfDifferenceIsReported()
    {
        EdgeCaseTree.Create(_expected, includeLargeFiles: false);
        var summary = EdgeCaseTree.Create(_actual, includeLargeFiles: false);
        Assert.True(summary.XattrsApplied);

        // A flipped byte (same size, same mtime).
        string lines = Combine(_actual, "text/lines.txt");
        var before = Posix.LStat(lines);
        using (var handle = Posix.OpenWrite(lines, 0, truncate: false)) RandomAccess.Write(handle, "L"u8, 0);
        Posix.SetTimes(lines, before.AccessTime, before.ModTime);
        // A changed mode.
        Posix.Chmod(Combine(_actual, "modes/setuid"), 0x1ED);
        // An mtime off by one nanosecond.
        string ns = Combine(_actual, "times/nanoseconds");
        var t = Posix.LStat(ns).ModTime;
        Posix.SetTimes(ns, t, t with { Nanoseconds = t.Nanoseconds + 1 });
        // A broken hard link: pair-b becomes an identical copy with its own inode.
        string pairA = Combine(_actual, "hardlinks/pair-a.txt");
        string pairB = Combine(_actual, "hardlinks/pair-b.txt");
        var pair = Posix.LStat(pairA);
        Posix.Unlink(pairB);
        using (var handle = Posix.OpenWrite(pairB, 0)) RandomAccess.Write(handle, "two names, one inode\n"u8, 0);
        Posix.LChown(pairB, pair.Uid, pair.Gid);
        Posix.Chmod(pairB, pair.Permissions);
        Posix.SetTimes(pairB, pair.AccessTime, pair.ModTime);
        // A changed xattr value.
        Posix.SetXattr(Combine(_actual, "xattrs/file"), "user.text", "changed"u8);
        // A changed symlink target, a missing entry and an extra one.
        string relative = Combine(_actual, "symlinks/relative");
        var link = Posix.LStat(relative);
        Posix.Unlink(relative);
        Posix.Symlink("../text/other.txt", relative);
        Posix.LChown(relative, link.Uid, link.Gid);
        Posix.SetTimes(relative, link.AccessTime, link.ModTime);
        Posix.Unlink(Combine(_actual, "empty-file"));
        Posix.MakeFifo(Combine(_actual, "extra-fifo"), 0x1A4);
        // Directory metadata last, as the tree does, so only the changes above differ.
        RestoreDirectoryTimes();

        var differences = TreeComparer.Compare(_expected, _actual, new TreeCompareOptions());
        string all = string.Join("\n", differences);
        Assert.Contains("\"text/lines.txt\": content differs", all);
        Assert.Contains("\"modes/setuid\": mode 04755 expected, 0755 found", all);
        Assert.Contains($"\"times/nanoseconds\": mtime {t} expected, {t with { Nanoseconds = t.Nanoseconds + 1 }} found", all);
        Assert.Contains("hard links to [\"hardlinks/pair-a.txt\", \"hardlinks/pair-b.txt\"] expected", all);
        Assert.Contains("\"xattrs/file\": xattr user.text is", all);
        Assert.Contains("\"symlinks/relative\": symlink target \"../text/hello.txt\" expected, \"../text/other.txt\" found", all);
        Assert.Contains("\"empty-file\": missing", all);
        Assert.Contains("\"extra-fifo\": unexpected fifo", all);
        Assert.Equal(9, differences.Count); // the hard link break shows from both names
    }

    private void RestoreDirectoryTimes()
    {
        foreach (var dir in new[] { "", "text", "hardlinks", "symlinks" })
        {
            var s = Posix.LStat(Combine(_expected, dir));
            Posix.SetTimes(Combine(_actual, dir), s.AccessTime, s.ModTime);
        }
    }

    [Fact]
    public void OptionsTurnChecksOff()
    {
        EdgeCaseTree.Create(_expected, includeLargeFiles: false);
        EdgeCaseTree.Create(_actual, includeLargeFiles: false);
        string file = Combine(_actual, "text/hello.txt");
        Posix.SetTimes(file, new Timespec(5, 5), new Timespec(5, 5));
        string link = Combine(_actual, "symlinks/absolute");
        Posix.SetTimes(link, new Timespec(6, 6), new Timespec(6, 6));
        Posix.SetTimes(_actual, new Timespec(7, 7), new Timespec(7, 7));
        if (Posix.GetUid() == 0) Posix.LChown(Combine(_actual, "owners/nobody"), 1, 1);

        Assert.Equal(2, TreeComparer.Compare(_expected, _actual, new TreeCompareOptions { CompareOwnership = false }).Count);
        Assert.Single(TreeComparer.Compare(_expected, _actual,
            new TreeCompareOptions { CompareOwnership = false, CompareSymlinkModTimes = false }));
        Assert.Empty(TreeComparer.Compare(_expected, _actual,
            new TreeCompareOptions { CompareOwnership = false, CompareModTimes = false }));
        Assert.Equal(3, TreeComparer.Compare(_expected, _actual,
            new TreeCompareOptions { CompareOwnership = false, CompareRootMetadata = true }).Count);
        Assert.Empty(TreeComparer.Compare(_expected, _actual, new TreeCompareOptions
        {
            CompareOwnership = false,
            IgnoreNames = new HashSet<string> { "text/hello.txt", "symlinks" },
        }));
        if (Posix.GetUid() == 0)
            Assert.Contains("\"owners/nobody\": owner 65534:65534 expected, 1:1 found",
                TreeComparer.Compare(_expected, _actual, new TreeCompareOptions { CompareModTimes = false }));
    }

    [Fact]
    public void EdgeCaseTreeHasEveryCase()
    {
        var summary = EdgeCaseTree.Create(_expected, includeLargeFiles: false);
        Assert.True(summary.Entries > 80);
        var root = _expected;
        Assert.Equal(3ul, Posix.LStat(Combine(root, "hardlinks/three-1.bin")).Links);
        Assert.Equal(0x9EDu, Posix.LStat(Combine(root, "modes/setuid")).Permissions);
        Assert.Equal(0x3FFu, Posix.LStat(Combine(root, "modes/sticky-dir")).Permissions);
        Assert.Equal(0u, Posix.LStat(Combine(root, "modes/no-permissions")).Permissions);
        Assert.Equal(EdgeCaseTree.BeforeEpoch, Posix.LStat(Combine(root, "times/before-epoch")).ModTime);
        Assert.Equal(EdgeCaseTree.Year2200, Posix.LStat(Combine(root, "times/year-2200")).ModTime);
        Assert.Equal(EdgeCaseTree.NanosecondTime, Posix.LStat(Combine(root, "times")).ModTime); // dir mtime held
        Assert.Equal(new Timespec(1_234_567_890, 987_654_321), Posix.LStat(Combine(root, "times/symlink-with-time")).ModTime);
        Assert.Contains(FsNames.FromBytes([0x66, 0xff, 0x2e, 0x74, 0x78, 0x74]), Posix.ListDirectory(Combine(root, "names")));
        Assert.Contains(Posix.ListDirectory(Combine(root, "names")), n => FsNames.ToBytes(n).Length == 255);
        Assert.Equal(new byte[] { 0, 0xff, 1, 0, 0xfe }, Posix.GetXattr(Combine(root, "xattrs/dir"), "user.binary"));
        Assert.True(Posix.LStat(Combine(root, "special/fifo")).IsFifo);
        Assert.Equal(512 * 1024 + 1, Posix.LStat(Combine(root, "sizes/512k-plus-1.bin")).Size);
        if (Posix.GetUid() == 0)
        {
            Assert.Equal(Posix.MakeDevice(1, 3), Posix.LStat(Combine(root, "special/char-null")).RDevice);
            Assert.True(Posix.LStat(Combine(root, "special/block-loop")).IsBlockDevice);
            var unknown = Posix.LStat(Combine(root, "owners/unknown-ids"));
            Assert.Equal((54321u, 54322u), (unknown.Uid, unknown.Gid));
            Assert.Equal(54321u, Posix.LStat(Combine(root, "owners/unknown-symlink")).Uid);
        }
    }

    [Fact]
    public void CopyByCpArchiveComparesEqual()
    {
        // GNU cp -a keeps everything the comparer checks; a cross-check that the tree and the comparer agree with it.
        EdgeCaseTree.Create(_expected, includeLargeFiles: false);
        var cp = ProcessRunner.Run("cp", ["-a", _expected, _actual]);
        Assert.Equal(0, cp.ExitCode);
        Assert.Empty(TreeComparer.Compare(_expected, _actual, new TreeCompareOptions { CompareRootMetadata = true }));
    }

    [Fact]
    public void TempDirectoryRemovesEverything()
    {
        string path;
        using (var temp = new TempDirectory())
        {
            path = temp.Path;
            EdgeCaseTree.Create(temp.Combine("tree"), includeLargeFiles: false);
        }
        Assert.False(Posix.TryLStat(path, out _, out int errno));
        Assert.Equal(Errno.ENOENT, errno);
    }
}
