using System.Security.Cryptography;
using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Platform;

namespace Lifeboat.TestSupport;

public sealed record TreeCompareOptions
{
    /// <summary>Compare uid and gid.</summary>
    public bool CompareOwnership { get; init; } = true;
    /// <summary>Compare mtimes to the nanosecond (files, directories, special files).</summary>
    public bool CompareModTimes { get; init; } = true;
    /// <summary>Compare symlinks' own mtimes too (only when <see cref="CompareModTimes"/> is on).</summary>
    public bool CompareSymlinkModTimes { get; init; } = true;
    /// <summary>Compare the two root directories' own metadata (off: a restore target's root is not part of the snapshot).</summary>
    public bool CompareRootMetadata { get; init; }
    public bool CompareXattrs { get; init; } = true;
    /// <summary>Compare every xattr namespace, not only user.* (security.*, system.posix_acl_*, trusted.*).</summary>
    public bool CompareAllXattrNamespaces { get; init; }
    /// <summary>Relative paths ('/'-separated, FsNames strings) skipped with everything under them.</summary>
    public IReadOnlySet<string> IgnoreNames { get; init; } = new HashSet<string>();

    public static TreeCompareOptions Default { get; } = new();
}

/// <summary>
/// Compares two trees byte- and metadata-exactly, through Platform calls so that non-UTF-8 names are seen.
/// Returns human-readable differences; an empty list means identical.
/// </summary>
public static class TreeComparer
{
    public static List<string> Compare(string expectedRoot, string actualRoot, TreeCompareOptions? options = null)
    {
        options ??= TreeCompareOptions.Default;
        var expected = Walk(expectedRoot, options);
        var actual = Walk(actualRoot, options);
        var differences = new List<string>();

        foreach (var (relative, entry) in expected)
        {
            if (!actual.TryGetValue(relative, out var other)) { differences.Add($"{Show(relative)}: missing"); continue; }
            if (relative.Length == 0 && !options.CompareRootMetadata) continue;
            CompareEntry(relative, entry, other, options, differences);
        }
        foreach (var relative in actual.Keys)
            if (!expected.ContainsKey(relative)) differences.Add($"{Show(relative)}: unexpected {Describe(actual[relative].Status)}");

        CompareHardLinks(expected, actual, differences);
        return differences;
    }

    /// <summary>Throws with all differences listed unless the trees are the same.</summary>
    public static void AssertSame(string expectedRoot, string actualRoot, TreeCompareOptions? options = null)
    {
        var differences = Compare(expectedRoot, actualRoot, options);
        if (differences.Count > 0)
            throw new InvalidOperationException(
                $"{differences.Count} difference(s) between {expectedRoot} and {actualRoot}:\n  " + string.Join("\n  ", differences.Take(200)));
    }

    private sealed class Entry
    {
        public required FileStatus Status { get; init; }
        public string? LinkTarget { get; init; }
        public SortedDictionary<string, byte[]> Xattrs { get; } = new(FsNames.ByteComparer.Instance);
        private readonly string _path;
        private string? _hash;
        public Entry(string path) => _path = path;
        // Hashed on demand: only when both sides are regular files of the same size.
        public string ContentHash => _hash ??= HashFile(_path);
    }

    private static SortedDictionary<string, Entry> Walk(string root, TreeCompareOptions options)
    {
        var entries = new SortedDictionary<string, Entry>(FsNames.ByteComparer.Instance);
        Visit(root, "", entries, options);
        return entries;
    }

    private static void Visit(string path, string relative, SortedDictionary<string, Entry> entries, TreeCompareOptions options)
    {
        var status = Posix.LStat(path);
        var entry = new Entry(path) { Status = status, LinkTarget = status.IsSymlink ? Posix.ReadLink(path) : null };
        if (options.CompareXattrs)
        {
            foreach (var name in Posix.ListXattrs(path))
            {
                if (!options.CompareAllXattrNamespaces && !name.StartsWith("user.", StringComparison.Ordinal)) continue;
                if (Posix.GetXattr(path, name) is { } value) entry.Xattrs[name] = value;
            }
        }
        entries[relative] = entry;
        if (!status.IsDirectory) return;
        foreach (var name in Posix.ListDirectory(path))
        {
            string childRelative = relative.Length == 0 ? name : relative + "/" + name;
            if (options.IgnoreNames.Contains(childRelative)) continue;
            Visit(FsNames.Join(path, name), childRelative, entries, options);
        }
    }

    private static void CompareEntry(string relative, Entry expected, Entry actual, TreeCompareOptions options, List<string> differences)
    {
        var e = expected.Status;
        var a = actual.Status;
        string name = Show(relative);
        if (e.FileType != a.FileType)
        {
            differences.Add($"{name}: type {Describe(e)} expected, {Describe(a)} found");
            return;
        }
        // Linux symlinks are always 0777; their bits say nothing.
        if (!e.IsSymlink && e.Permissions != a.Permissions)
            differences.Add($"{name}: mode {Octal(e.Permissions)} expected, {Octal(a.Permissions)} found");
        if (options.CompareOwnership && (e.Uid != a.Uid || e.Gid != a.Gid))
            differences.Add($"{name}: owner {e.Uid}:{e.Gid} expected, {a.Uid}:{a.Gid} found");
        if (options.CompareModTimes && (!e.IsSymlink || options.CompareSymlinkModTimes) && e.ModTime != a.ModTime)
            differences.Add($"{name}: mtime {e.ModTime} expected, {a.ModTime} found");
        if (e.IsSymlink && expected.LinkTarget != actual.LinkTarget)
            differences.Add($"{name}: symlink target {Show(expected.LinkTarget!)} expected, {Show(actual.LinkTarget!)} found");
        if ((e.IsCharDevice || e.IsBlockDevice) && e.RDevice != a.RDevice)
            differences.Add($"{name}: device {Posix.DeviceMajor(e.RDevice)},{Posix.DeviceMinor(e.RDevice)} expected, " +
                            $"{Posix.DeviceMajor(a.RDevice)},{Posix.DeviceMinor(a.RDevice)} found");
        if (e.IsRegularFile)
        {
            if (e.Size != a.Size) differences.Add($"{name}: size {e.Size} expected, {a.Size} found");
            else if (expected.ContentHash != actual.ContentHash)
                differences.Add($"{name}: content differs (sha256 {expected.ContentHash[..16]}… expected, {actual.ContentHash[..16]}… found)");
        }
        if (options.CompareXattrs) CompareXattrs(name, expected, actual, differences);
    }

    private static void CompareXattrs(string name, Entry expected, Entry actual, List<string> differences)
    {
        foreach (var (key, value) in expected.Xattrs)
        {
            if (!actual.Xattrs.TryGetValue(key, out var other)) differences.Add($"{name}: xattr {key} missing");
            else if (!value.AsSpan().SequenceEqual(other))
                differences.Add($"{name}: xattr {key} is {Convert.ToHexStringLower(other)}, expected {Convert.ToHexStringLower(value)}");
        }
        foreach (var key in actual.Xattrs.Keys)
            if (!expected.Xattrs.ContainsKey(key)) differences.Add($"{name}: unexpected xattr {key}");
    }

    /// <summary>Names sharing an inode in the expected tree must share one in the actual tree, and no other names may join them.</summary>
    private static void CompareHardLinks(SortedDictionary<string, Entry> expected, SortedDictionary<string, Entry> actual, List<string> differences)
    {
        var common = expected.Keys.Where(k => actual.ContainsKey(k) && !expected[k].Status.IsDirectory && !actual[k].Status.IsDirectory).ToList();
        var expectedGroups = GroupByInode(common, expected);
        var actualGroups = GroupByInode(common, actual);
        var reported = new HashSet<string>();
        foreach (var relative in common)
        {
            var e = expectedGroups[relative];
            var a = actualGroups[relative];
            if (e.SetEquals(a)) continue;
            string key = string.Join("\0", e) + "\u0001" + string.Join("\0", a);
            if (!reported.Add(key)) continue;
            differences.Add($"{Show(relative)}: hard links to [{string.Join(", ", e.Select(Show))}] expected, to [{string.Join(", ", a.Select(Show))}] found");
        }
    }

    private static Dictionary<string, SortedSet<string>> GroupByInode(List<string> paths, SortedDictionary<string, Entry> entries)
    {
        var byInode = new Dictionary<(ulong, ulong), SortedSet<string>>();
        var groups = new Dictionary<string, SortedSet<string>>();
        foreach (var path in paths)
        {
            var s = entries[path].Status;
            var key = (s.Device, s.Inode);
            if (!byInode.TryGetValue(key, out var group)) byInode[key] = group = new SortedSet<string>(FsNames.ByteComparer.Instance);
            group.Add(path);
            groups[path] = group;
        }
        return groups;
    }

    private static string HashFile(string path)
    {
        using var handle = Posix.OpenRead(path);
        using var stream = new FileStream(handle, FileAccess.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string Octal(uint mode) => "0" + Convert.ToString(mode, 8).PadLeft(3, '0');

    private static string Describe(FileStatus s) => s.FileType switch
    {
        FileModeBits.Directory => "directory",
        FileModeBits.Regular => "file",
        FileModeBits.Symlink => "symlink",
        FileModeBits.Fifo => "fifo",
        FileModeBits.Socket => "socket",
        FileModeBits.CharDevice => "char device",
        FileModeBits.BlockDevice => "block device",
        _ => $"type {Octal(s.FileType)}",
    };

    /// <summary>A quoted, printable rendering: control characters and escaped (non-UTF-8) bytes as \xNN.</summary>
    public static string Show(string relative)
    {
        if (relative.Length == 0) return "(root)";
        var sb = new StringBuilder("\"");
        for (int i = 0; i < relative.Length; i++)
        {
            char c = relative[i];
            if (char.IsHighSurrogate(c) && i + 1 < relative.Length && char.IsLowSurrogate(relative[i + 1])) { sb.Append(c).Append(relative[++i]); }
            else if (c >= '\uDC80' && c <= '\uDCFF') sb.Append($"\\x{c - 0xDC00:x2}");
            else if (c == '"' || c == '\\') sb.Append('\\').Append(c);
            else if (c < 0x20 || c == 0x7f) sb.Append($"\\x{(int)c:x2}");
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
