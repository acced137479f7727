using System.Text;
using Lifeboat.Engine.Platform;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Platform;

public sealed class PosixTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string P(string name) => _temp.Combine(name);

    public void Dispose() => _temp.Dispose();

    private static void WriteFile(string path, string content, uint mode = 0x1A4)
    {
        using var handle = Posix.OpenWrite(path, mode);
        RandomAccess.Write(handle, Encoding.UTF8.GetBytes(content), 0);
    }

    private static string ReadFile(string path)
    {
        using var handle = Posix.OpenRead(path);
        using var stream = new FileStream(handle, FileAccess.Read);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [Fact]
    public void LStatOfRegularFile()
    {
        WriteFile(P("file"), "hello");
        Posix.Chmod(P("file"), 0x1A0); // 0640
        var s = Posix.LStat(P("file"));
        Assert.True(s.IsRegularFile);
        Assert.False(s.IsDirectory || s.IsSymlink || s.IsFifo || s.IsSocket || s.IsCharDevice || s.IsBlockDevice);
        Assert.Equal(5, s.Size);
        Assert.Equal(0x81A0u, s.Mode);
        Assert.Equal(1ul, s.Links);
        Assert.Equal(Posix.GetUid(), s.Uid);
        Assert.NotEqual(0ul, s.Inode);
        Assert.Equal("hello", ReadFile(P("file")));
    }

    [Fact]
    public void DeviceNumberMatchesCoreutilsStat()
    {
        WriteFile(P("file"), "x");
        var s = Posix.LStat(P("file"));
        var result = ProcessRunner.Run("stat", ["-c", "%d %i", P("file")]);
        Assert.Equal($"{s.Device} {s.Inode}", result.Stdout.Trim());
    }

    [Fact]
    public void MakeDeviceMatchesGlibc()
    {
        Assert.Equal(0x103ul, Posix.MakeDevice(1, 3));
        ulong big = Posix.MakeDevice(0x12345, 0x6789a);
        Assert.Equal(0x12345u, Posix.DeviceMajor(big));
        Assert.Equal(0x6789au, Posix.DeviceMinor(big));
        Assert.Equal(((0x12345ul & 0xfffff000) << 32) | ((0x12345ul & 0xfff) << 8) | ((0x6789aul & 0xffffff00) << 12) | (0x6789aul & 0xff), big);
    }

    [Fact]
    public void LStatOfDirectorySymlinkAndFifo()
    {
        Posix.MakeDirectory(P("dir"), 0x1ED);
        Posix.Symlink("dir", P("link"));
        Posix.MakeFifo(P("fifo"), 0x1A4);
        Assert.True(Posix.LStat(P("dir")).IsDirectory);
        var link = Posix.LStat(P("link"));
        Assert.True(link.IsSymlink); // not followed
        Assert.Equal(3, link.Size);
        Assert.Equal("dir", Posix.ReadLink(P("link")));
        Assert.True(Posix.LStat(P("fifo")).IsFifo);
    }

    [Fact]
    public void HardLinkSharesInode()
    {
        WriteFile(P("a"), "shared");
        Posix.Link(P("a"), P("b"));
        var a = Posix.LStat(P("a"));
        var b = Posix.LStat(P("b"));
        Assert.Equal(a.Inode, b.Inode);
        Assert.Equal(a.Device, b.Device);
        Assert.Equal(2ul, a.Links);
    }

    [Fact]
    public void FStatMatchesLStat()
    {
        WriteFile(P("f"), "12345678");
        using var handle = Posix.OpenRead(P("f"));
        var f = Posix.FStat(handle);
        var l = Posix.LStat(P("f"));
        Assert.Equal(l.Inode, f.Inode);
        Assert.Equal(8, f.Size);
    }

    [Fact]
    public void OpenReadDoesNotFollowSymlinks()
    {
        WriteFile(P("f"), "x");
        Posix.Symlink("f", P("l"));
        var e = Assert.Throws<PosixException>(() => Posix.OpenRead(P("l")));
        Assert.Equal(Errno.ELOOP, e.Errno);
    }

    [Fact]
    public void OpenWriteWithoutTruncateAndTruncateMakeSparseFile()
    {
        WriteFile(P("f"), "abcdef");
        using (var handle = Posix.OpenWrite(P("f"), 0x1A4, truncate: false))
            RandomAccess.Write(handle, "XY"u8, 0);
        Assert.Equal("XYcdef", ReadFile(P("f")));
        using (var handle = Posix.OpenWrite(P("f"), 0x1A4))
        {
            Posix.Truncate(handle, 10_000_000);
            Posix.Fsync(handle);
        }
        var s = Posix.LStat(P("f"));
        Assert.Equal(10_000_000, s.Size);
        Assert.True(s.Blocks * 512 < s.Size);
        Posix.FsyncDirectory(_temp.Path);
    }

    [Theory]
    [InlineData(1_700_000_000L, 123_456_789L)]
    [InlineData(0L, 1L)]
    [InlineData(0L, 0L)]
    [InlineData(-1L, 999_999_999L)]
    [InlineData(-315_619_200L, 5L)]
    [InlineData(10_413_792_000L, 999_999_999L)] // year 2300
    public void TimesRoundTripToTheNanosecond(long seconds, long nanoseconds)
    {
        WriteFile(P("f"), "t");
        Posix.Symlink("f", P("l"));
        var time = new Timespec(seconds, nanoseconds);
        var access = new Timespec(seconds + 1, (nanoseconds + 7) % 1_000_000_000);
        Posix.SetTimes(P("f"), access, time);
        var linkTime = new Timespec(seconds + 3600, nanoseconds / 3);
        Posix.SetTimes(P("l"), linkTime, linkTime);
        var file = Posix.LStat(P("f"));
        Assert.Equal(time, file.ModTime);
        Assert.Equal(access, file.AccessTime);
        Assert.Equal(linkTime, Posix.LStat(P("l")).ModTime);
        Assert.Equal(time, Posix.LStat(P("f")).ModTime); // the link's times did not touch its target
    }

    [Fact]
    public void XattrsSetListGet()
    {
        WriteFile(P("f"), "x");
        Posix.MakeDirectory(P("d"), 0x1ED);
        Assert.DoesNotContain(Posix.ListXattrs(P("f")), n => n.StartsWith("user."));
        Assert.Null(Posix.GetXattr(P("f"), "user.absent"));
        foreach (var target in new[] { P("f"), P("d") })
        {
            Posix.SetXattr(target, "user.text", "value ü"u8);
            Posix.SetXattr(target, "user.empty", []);
            Posix.SetXattr(target, "user.binary", new byte[] { 0, 0xff, 0, 1 });
            var names = Posix.ListXattrs(target).Where(n => n.StartsWith("user.")).Order().ToList();
            Assert.Equal(["user.binary", "user.empty", "user.text"], names);
            Assert.Equal("value ü"u8.ToArray(), Posix.GetXattr(target, "user.text")!);
            Assert.Equal([], Posix.GetXattr(target, "user.empty")!);
            Assert.Equal(new byte[] { 0, 0xff, 0, 1 }, Posix.GetXattr(target, "user.binary"));
        }
        Posix.RemoveXattr(P("f"), "user.text");
        Assert.Null(Posix.GetXattr(P("f"), "user.text"));
        var big = new byte[3000];
        Random.Shared.NextBytes(big);
        Posix.SetXattr(P("f"), "user.big", big);
        Assert.Equal(big, Posix.GetXattr(P("f"), "user.big"));
    }

    [Fact]
    public void NonUtf8NameCreatedListedAndStatted()
    {
        string name = FsNames.FromBytes([0x61, 0xff, 0x62, 0xc3, 0x28]);
        string path = P(name);
        WriteFile(path, "raw");
        Posix.MakeDirectory(P(FsNames.FromBytes([0xfe])), 0x1ED);
        var names = Posix.ListDirectory(_temp.Path);
        Assert.Contains(name, names);
        Assert.Equal(2, names.Count);
        Assert.Equal(3, Posix.LStat(path).Size);
        Assert.Equal("raw", ReadFile(path));
        // The escapes really are single bytes on disk: ls sees a 5-byte name.
        var ls = ProcessRunner.Run("sh", ["-c", "ls -1 | grep -a \"^a\" | od -An -tx1"], workingDirectory: _temp.Path);
        Assert.Equal("61 ff 62 c3 28 0a", ls.Stdout.Trim());
        Posix.Rename(path, P("renamed"));
        Posix.Symlink(name, P("link"));
        Assert.Equal(name, Posix.ReadLink(P("link")));
    }

    [Fact]
    public void ListDirectorySkipsDotEntries()
    {
        for (int i = 0; i < 300; i++) WriteFile(P($"file-{i}"), "");
        var names = Posix.ListDirectory(_temp.Path);
        Assert.Equal(300, names.Count);
        Assert.DoesNotContain(".", names);
        Assert.DoesNotContain("..", names);
    }

    [Fact]
    public void ChownToUnknownIds()
    {
        if (Posix.GetUid() != 0) Assert.Skip("chown to another uid needs root");
        WriteFile(P("f"), "x");
        Posix.Symlink("f", P("l"));
        Posix.LChown(P("f"), 54321, 54322);
        Posix.LChown(P("l"), 54323, 54324);
        var f = Posix.LStat(P("f"));
        Assert.Equal((54321u, 54322u), (f.Uid, f.Gid));
        var l = Posix.LStat(P("l"));
        Assert.Equal((54323u, 54324u), (l.Uid, l.Gid));
        Assert.Null(Posix.UserName(54321));
        Assert.Null(Posix.GroupName(54322));
    }

    [Fact]
    public void MakeCharAndBlockDevices()
    {
        if (Posix.GetUid() != 0) Assert.Skip("mknod of a device needs root");
        Posix.MakeNode(P("null"), FileModeBits.CharDevice | 0x1B6, Posix.MakeDevice(1, 3));
        Posix.MakeNode(P("loop"), FileModeBits.BlockDevice | 0x1B0, Posix.MakeDevice(7, 0));
        var c = Posix.LStat(P("null"));
        Assert.True(c.IsCharDevice);
        Assert.Equal(Posix.MakeDevice(1, 3), c.RDevice);
        Assert.Equal(Posix.LStat("/dev/null").RDevice, c.RDevice);
        var b = Posix.LStat(P("loop"));
        Assert.True(b.IsBlockDevice);
        Assert.Equal(7u, Posix.DeviceMajor(b.RDevice));
    }

    [Fact]
    public void SetuidSetgidStickyModes()
    {
        WriteFile(P("f"), "x");
        Posix.Chmod(P("f"), 0xDED); // 06755
        Assert.Equal(0xDEDu, Posix.LStat(P("f")).Permissions);
        Posix.MakeDirectory(P("d"), 0x1ED);
        Posix.Chmod(P("d"), 0x3FF); // 01777
        Assert.Equal(0x3FFu, Posix.LStat(P("d")).Permissions);
    }

    [Fact]
    public void MissingPathMessageReadsLikeGo()
    {
        var e = Assert.Throws<PosixException>(() => Posix.LStat(P("missing")));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("lstat", e.Operation);
        Assert.Equal($"lstat {P("missing")}: no such file or directory", e.Message);
        Assert.False(Posix.TryLStat(P("missing"), out _, out int errno));
        Assert.Equal(Errno.ENOENT, errno);
        Assert.IsAssignableFrom<IOException>(e);
    }

    [Fact]
    public void DirectoryCreationAndRemoval()
    {
        Posix.MakeDirectories(P("a/b/c"), 0x1ED);
        Posix.MakeDirectories(P("a/b/c"), 0x1ED);
        Assert.True(Posix.LStat(P("a/b/c")).IsDirectory);
        var e = Assert.Throws<PosixException>(() => Posix.MakeDirectory(P("a"), 0x1ED));
        Assert.Equal(Errno.EEXIST, e.Errno);
        var notEmpty = Assert.Throws<PosixException>(() => Posix.RemoveDirectory(P("a")));
        Assert.Equal(Errno.ENOTEMPTY, notEmpty.Errno);
        Posix.RemoveDirectory(P("a/b/c"));
        WriteFile(P("a/f"), "x");
        Posix.Unlink(P("a/f"));
        Assert.Empty(Posix.ListDirectory(P("a/b")));
    }

    [Fact]
    public void UsersProcessesHost()
    {
        Assert.Equal("root", Posix.UserName(0));
        Assert.Equal("root", Posix.GroupName(0));
        Assert.Equal(Environment.ProcessId, Posix.GetPid());
        Assert.True(Posix.ProcessExists(Posix.GetPid()));
        Assert.True(Posix.ProcessExists(1));
        Assert.False(Posix.ProcessExists(int.MaxValue - 1));
        Assert.Equal(ProcessRunner.Run("hostname", []).Stdout.Trim(), Posix.HostName);
        Assert.False(Posix.IsTerminal(-1));
    }

    [Fact]
    public void AnExitedProcessNotYetReapedDoesNotExist()
    {
        // the shell starts a short child, then becomes a sleep that never waits for it: the child, ending after the
        // exec (the shell itself would reap it before), stays a zombie, as a killed job does until init reaps it; a
        // lock of it must count as stale
        var start = new System.Diagnostics.ProcessStartInfo("sh", ["-c", "sleep 0.5 & echo $!; exec sleep 10"]) { RedirectStandardOutput = true };
        using var parent = System.Diagnostics.Process.Start(start)!;
        try
        {
            int zombie = int.Parse(parent.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
            var deadline = DateTime.UtcNow.AddSeconds(8);
            Assert.True(Posix.ProcessExists(zombie));
            while (!File.ReadAllText($"/proc/{zombie}/stat").Contains(") Z ", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
                Thread.Sleep(20);
            Assert.Contains(") Z ", File.ReadAllText($"/proc/{zombie}/stat"));
            Assert.False(Posix.ProcessExists(zombie));
            Assert.True(Posix.ProcessExists(parent.Id));
        }
        finally
        {
            parent.Kill();
            parent.WaitForExit();
        }
    }
}
