using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Platform;

namespace Lifeboat.TestSupport;

/// <summary>What <see cref="EdgeCaseTree.Create"/> made (entries exclude the root itself).</summary>
public sealed record EdgeCaseTreeSummary(
    int Entries, int Files, int Directories, int Symlinks, int SpecialFiles, int HardLinkNames, long ContentBytes,
    bool OwnershipApplied, bool DevicesCreated, bool XattrsApplied);

/// <summary>
/// Writes the tree that every interop test backs up: content sizes around chunker limits, odd names (including
/// non-UTF-8 bytes), hard links, every kind of symlink, special permission bits, extreme nanosecond mtimes,
/// xattrs, special files and foreign owners. Everything, including random content and times, is deterministic
/// from the seed. Ownership and device nodes need root and are left out (and reported so) otherwise.
/// </summary>
public static class EdgeCaseTree
{
    public const uint UnknownUid = 54321, UnknownGid = 54322, NobodyId = 65534;
    public const int OneMiB = 1024 * 1024;

    /// <summary>Mtimes the tree uses on purpose, exposed so tests can look for them.</summary>
    public static readonly Timespec NanosecondTime = new(1_700_000_000, 123_456_789);
    public static readonly Timespec OneNanosecond = new(0, 1);
    public static readonly Timespec Epoch = new(0, 0);
    public static readonly Timespec BeforeEpoch = new(-315_619_200, 500_000_001); // 1960-01-01 plus a bit
    public static readonly Timespec Year2200 = new(7_258_118_400, 999_999_999);

    /// <summary>
    /// Creates the tree in <paramref name="root"/>, which must be missing or empty (the same seed on an empty root
    /// always gives the same tree). <paramref name="includeLargeFiles"/> false leaves out the 8 MiB and 20 MiB files.
    /// </summary>
    public static EdgeCaseTreeSummary Create(string root, int seed = 1, bool includeLargeFiles = true)
    {
        if (Posix.TryLStat(root, out var rootStatus, out _))
        {
            if (!rootStatus.IsDirectory) throw new InvalidOperationException($"{root} is not a directory");
            if (Posix.ListDirectory(root).Count != 0) throw new InvalidOperationException($"{root} is not empty");
        }
        else
        {
            Posix.MakeDirectories(root, 0x1ED);
        }
        return new Builder(root, seed).Build(includeLargeFiles);
    }

    private sealed class Builder(string root, int seed)
    {
        private readonly bool _isRoot = Posix.GetUid() == 0;
        private readonly List<(string Path, uint Mode, uint Uid, uint Gid, Timespec Time)> _directories = [];
        private int _files, _symlinks, _special, _hardLinkNames, _timeIndex;
        private long _bytes;
        private bool _xattrs = true;

        private string P(string relative) => FsNames.Join(root, relative);

        public EdgeCaseTreeSummary Build(bool includeLargeFiles)
        {
            Contents();
            Sizes(includeLargeFiles);
            Names();
            HardLinks();
            Symlinks();
            Modes();
            Times();
            Xattrs();
            Special();
            Owners();
            // Directory metadata last, deepest first, so creating entries inside cannot move the mtimes again.
            foreach (var d in _directories.OrderByDescending(d => d.Path.Count(c => c == '/')))
            {
                if (_isRoot) Posix.LChown(d.Path, d.Uid, d.Gid);
                Posix.Chmod(d.Path, d.Mode);
                Posix.SetTimes(d.Path, d.Time, d.Time);
            }
            int entries = _files + _directories.Count + _symlinks + _special + _hardLinkNames;
            return new EdgeCaseTreeSummary(entries, _files, _directories.Count, _symlinks, _special, _hardLinkNames,
                _bytes, _isRoot, _isRoot, _xattrs);
        }

        // A distinct, deterministic time for every entry that has no special one.
        private Timespec NextTime()
        {
            int i = ++_timeIndex;
            return new Timespec(1_600_000_000 + i * 86_413L, (i * 7_919_777L) % 1_000_000_000);
        }

        private void Dir(string relative, uint mode = 0x1ED, uint uid = 0, uint gid = 0, Timespec? time = null)
        {
            string path = P(relative);
            Posix.MakeDirectory(path, 0x1C0);
            _directories.Add((path, mode, uid, gid, time ?? NextTime()));
        }

        private void File(string relative, ReadOnlySpan<byte> content, uint mode = 0x1A4, uint uid = 0, uint gid = 0,
            Timespec? time = null)
        {
            string path = P(relative);
            using (var handle = Posix.OpenWrite(path, 0x180))
                RandomAccess.Write(handle, content, 0);
            _bytes += content.Length;
            Finish(path, mode, uid, gid, time);
        }

        private void RandomFile(string relative, long size, uint mode = 0x1A4, Timespec? time = null)
        {
            string path = P(relative);
            var random = new SplitMix64((ulong)seed * 0x9E3779B97F4A7C15UL ^ Fnv(relative));
            var buffer = new byte[OneMiB];
            using (var handle = Posix.OpenWrite(path, 0x180))
            {
                for (long offset = 0; offset < size; offset += buffer.Length)
                {
                    int n = (int)Math.Min(buffer.Length, size - offset);
                    random.Fill(buffer.AsSpan(0, n));
                    RandomAccess.Write(handle, buffer.AsSpan(0, n), offset);
                }
            }
            _bytes += size;
            Finish(path, mode, 0, 0, time);
        }

        private void Finish(string path, uint mode, uint uid, uint gid, Timespec? time)
        {
            _files++;
            if (_isRoot) Posix.LChown(path, uid, gid);
            Posix.Chmod(path, mode); // after chown, which clears setuid/setgid
            var t = time ?? NextTime();
            Posix.SetTimes(path, t, t);
        }

        private void Link(string target, string relative, uint uid = 0, uint gid = 0, Timespec? time = null)
        {
            string path = P(relative);
            Posix.Symlink(target, path);
            _symlinks++;
            if (_isRoot) Posix.LChown(path, uid, gid);
            var t = time ?? NextTime();
            Posix.SetTimes(path, t, t);
        }

        private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

        private void Contents()
        {
            Dir("text");
            File("text/hello.txt", Text("Hello, Lifeboat!\n"));
            var lines = new StringBuilder();
            for (int i = 0; i < 2000; i++) lines.Append($"line {i:D5}: the quick brown fox jumps over the lazy dog\n");
            File("text/lines.txt", Text(lines.ToString()));
            File("text/no-newline.txt", Text("no newline at the end"));
            RandomFile("random-4k.bin", 4096);
            RandomFile("random-1.bin", 1);
            File("empty-file", []);
            Dir("empty-dir");
            Dir("nested");
            Dir("nested/a");
            Dir("nested/a/b");
            Dir("nested/a/b/empty-leaf");
        }

        private void Sizes(bool includeLargeFiles)
        {
            Dir("sizes");
            const int half = 512 * 1024;
            RandomFile("sizes/512k-minus-1.bin", half - 1);
            RandomFile("sizes/512k.bin", half);
            RandomFile("sizes/512k-plus-1.bin", half + 1);
            if (includeLargeFiles)
            {
                RandomFile("sizes/8m.bin", 8L * OneMiB);
                RandomFile("sizes/8m-plus-1.bin", 8L * OneMiB + 1);
                RandomFile("sizes/20m-many-chunks.bin", 20L * OneMiB + 12345);
            }
            // Long zero runs between random stretches: the chunker's and the compressor's corner.
            var zeros = new byte[5 * OneMiB];
            new SplitMix64((ulong)seed ^ 0x5A5A).Fill(zeros.AsSpan(0, OneMiB));
            new SplitMix64((ulong)seed ^ 0xA5A5).Fill(zeros.AsSpan(4 * OneMiB, OneMiB / 2));
            File("sizes/zero-runs.bin", zeros);
            File("sizes/all-zeros-1m.bin", new byte[OneMiB]);
            // A file that is mostly a hole, with data at the end.
            string sparse = P("sizes/sparse-hole.bin");
            using (var handle = Posix.OpenWrite(sparse, 0x180))
            {
                Posix.Truncate(handle, 3L * OneMiB);
                RandomAccess.Write(handle, Text("tail after a hole\n"), 3L * OneMiB);
            }
            _bytes += 3L * OneMiB + 18;
            Finish(sparse, 0x1A4, 0, 0, null);
        }

        private void Names()
        {
            Dir("names");
            string[] names =
            [
                "quote\"name.txt", "back\\slash.txt", "new\nline.txt", "tab\tname.txt", "<>&.txt", " spaces at ends ",
                "-leading-dash.txt", "ü-umlaut.txt", "emoji-🚀.txt", "soft\u00adhyphen.txt", "percent%20and#hash?.txt",
                "colon:star*pipe|.txt", "CaseName.txt", "casename.txt", ".hidden",
            ];
            foreach (var name in names) File("names/" + name, Text($"name: {name}\n"));
            // Raw non-UTF-8 bytes: a lone 0xff, and 0xc3 followed by a byte that cannot continue it.
            File("names/" + FsNames.FromBytes([0x66, 0xff, 0x2e, 0x74, 0x78, 0x74]), Text("0xff\n"));
            File("names/" + FsNames.FromBytes([0x63, 0xc3, 0x28, 0x2e, 0x74, 0x78, 0x74]), Text("0xc3 0x28\n"));
            string badDir = "names/" + FsNames.FromBytes([0x64, 0x69, 0x72, 0xfe, 0xff]);
            Dir(badDir);
            File(badDir + "/inside.txt", Text("in a non-UTF-8 directory\n"));
            // The longest name a Linux file system takes: 255 bytes, once ASCII and once two-byte characters.
            File("names/" + "long-" + new string('x', 250), Text("255 ASCII bytes\n"));
            File("names/" + "l" + new string('ü', 127), Text("255 bytes of mostly two-byte characters\n"));
        }

        private void HardLinks()
        {
            Dir("hardlinks");
            Dir("hardlinks/other");
            File("hardlinks/pair-a.txt", Text("two names, one inode\n"));
            Posix.Link(P("hardlinks/pair-a.txt"), P("hardlinks/pair-b.txt"));
            _hardLinkNames++;
            RandomFile("hardlinks/three-1.bin", 100_000);
            Posix.Link(P("hardlinks/three-1.bin"), P("hardlinks/other/three-2.bin"));
            Posix.Link(P("hardlinks/three-1.bin"), P("text/three-3.bin"));
            _hardLinkNames += 2;
        }

        private void Symlinks()
        {
            Dir("symlinks");
            Link("../text/hello.txt", "symlinks/relative");
            Link("/etc/hostname", "symlinks/absolute");
            Link("does/not/exist", "symlinks/dangling");
            Link("../nested", "symlinks/to-directory");
            Link("relative", "symlinks/to-symlink");
            Link("zielß/ü-🚀.txt", "symlinks/non-ascii-target");
            Link(".", "symlinks/to-self-dir");
            Link("../names/" + "quote\"name.txt", "symlinks/to-odd-name");
        }

        private void Modes()
        {
            Dir("modes");
            File("modes/setuid", Text("#!/bin/sh\n"), mode: 0x9ED);   // 04755
            File("modes/setgid", Text("#!/bin/sh\n"), mode: 0x5ED);   // 02755
            File("modes/setuid-setgid-sticky", Text("all three\n"), mode: 0xFFF); // 07777
            File("modes/no-permissions", Text("mode 0000\n"), mode: 0);
            File("modes/read-only", Text("mode 0444\n"), mode: 0x124);
            File("modes/executable", Text("#!/bin/sh\necho hi\n"), mode: 0x1ED);
            File("modes/group-writable", Text("mode 0664\n"), mode: 0x1B4);
            Dir("modes/sticky-dir", mode: 0x3FF);   // 01777
            File("modes/sticky-dir/inside", Text("in a sticky dir\n"));
            Dir("modes/setgid-dir", mode: 0x5FD);   // 02775
            Dir("modes/private-dir", mode: 0x1C0);  // 0700
            File("modes/private-dir/secret", Text("secret\n"), mode: 0x180);
            Dir("modes/read-only-dir", mode: 0x16D); // 0555
            File("modes/read-only-dir/inside", Text("in a read-only dir\n"));
            Dir("modes/no-permissions-dir", mode: 0);
        }

        private void Times()
        {
            Dir("times", time: NanosecondTime);
            File("times/nanoseconds", Text("ns\n"), time: NanosecondTime);
            File("times/one-nanosecond", Text("1 ns\n"), time: OneNanosecond);
            File("times/epoch", Text("1970\n"), time: Epoch);
            File("times/before-epoch", Text("1960\n"), time: BeforeEpoch);
            File("times/year-2200", Text("2200\n"), time: Year2200);
            Dir("times/dir-before-epoch", time: BeforeEpoch);
            Link("nanoseconds", "times/symlink-with-time", time: new Timespec(1_234_567_890, 987_654_321));
        }

        private void Xattrs()
        {
            Dir("xattrs");
            File("xattrs/file", Text("has xattrs\n"));
            Dir("xattrs/dir");
            foreach (var target in new[] { "xattrs/file", "xattrs/dir" })
            {
                try
                {
                    Posix.SetXattr(P(target), "user.text", Text("a text value ü"));
                    Posix.SetXattr(P(target), "user.binary", [0x00, 0xff, 0x01, 0x00, 0xfe]);
                    Posix.SetXattr(P(target), "user.empty", []);
                }
                catch (PosixException e) when (e.Errno is Errno.ENOTSUP or Errno.EPERM)
                {
                    _xattrs = false; // tmpfs before Linux 6.6, some overlays
                    return;
                }
            }
        }

        private void Special()
        {
            Dir("special");
            string fifo = P("special/fifo");
            Posix.MakeFifo(fifo, 0x1A4);
            Posix.Chmod(fifo, 0x1A4);
            _special++;
            var fifoTime = NextTime();
            Posix.SetTimes(fifo, fifoTime, fifoTime);
            if (!_isRoot) return;
            Node("special/char-null", FileModeBits.CharDevice | 0x1B6, Posix.MakeDevice(1, 3));
            Node("special/block-loop", FileModeBits.BlockDevice | 0x1B0, Posix.MakeDevice(7, 200));
            Node("special/char-big-numbers", FileModeBits.CharDevice | 0x180, Posix.MakeDevice(4095, 1_048_575));
        }

        private void Node(string relative, uint mode, ulong device)
        {
            string path = P(relative);
            Posix.MakeNode(path, mode, device);
            Posix.Chmod(path, mode & FileModeBits.PermissionMask);
            _special++;
            var t = NextTime();
            Posix.SetTimes(path, t, t);
        }

        private void Owners()
        {
            Dir("owners");
            File("owners/unknown-ids", Text("owned by 54321:54322\n"), uid: UnknownUid, gid: UnknownGid);
            File("owners/nobody", Text("owned by nobody\n"), uid: NobodyId, gid: NobodyId);
            File("owners/unknown-setgid", Text("setgid and foreign\n"), mode: 0x5ED, uid: UnknownUid, gid: UnknownGid);
            Dir("owners/unknown-dir", uid: UnknownUid, gid: UnknownGid);
            File("owners/unknown-dir/inside", Text("inside\n"), uid: NobodyId, gid: UnknownGid);
            Dir("owners/nobody-dir", mode: 0x1C0, uid: NobodyId, gid: NobodyId);
            Link("unknown-ids", "owners/unknown-symlink", uid: UnknownUid, gid: UnknownGid);
        }

        private static ulong Fnv(string text)
        {
            ulong hash = 14695981039346656037UL;
            foreach (byte b in FsNames.ToBytes(text)) hash = (hash ^ b) * 1099511628211UL;
            return hash;
        }
    }

    /// <summary>A tiny, fast, fully specified generator, so content never changes with the .NET version.</summary>
    private struct SplitMix64(ulong state)
    {
        private ulong _state = state;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public void Fill(Span<byte> buffer)
        {
            int i = 0;
            for (; i + 8 <= buffer.Length; i += 8)
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(buffer[i..], Next());
            if (i < buffer.Length)
            {
                Span<byte> last = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(last, Next());
                last[..(buffer.Length - i)].CopyTo(buffer[i..]);
            }
        }
    }
}
