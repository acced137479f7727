using Lifeboat.Engine.Filtering;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// restic's exclude semantics: a pattern is split at '/' and matches when its parts match consecutive
/// components of the path anywhere (or from the root when it starts with '/'); '**' spans any number of
/// components; a pattern starting with '!' cancels the matches of the patterns before it. Also --exclude-if-present
/// and --exclude-caches, and --one-file-system.
/// </summary>
public sealed class ExcludeRules
{
    public const string CacheDirTagName = "CACHEDIR.TAG";
    public const string CacheDirTagSignature = "Signature: 8a477f597d28d172789f06886806bc55";

    // --exclude and --iexclude are two lists, as in restic: a negation in one does not cancel a match of the other.
    private readonly PatternList _patterns = new();
    private readonly PatternList _insensitivePatterns = new(caseInsensitive: true);
    private readonly List<(string File, string? Header)> _ifPresent = [];
    private HashSet<ulong>? _allowedDevices;
    private long? _maxFileSize;

    public bool IsEmpty => _patterns.IsEmpty && _insensitivePatterns.IsEmpty && _ifPresent.Count == 0 && _allowedDevices is null && _maxFileSize is null;

    public void AddPattern(string pattern) => _patterns.Add(pattern);

    public void AddInsensitivePattern(string pattern) => _insensitivePatterns.Add(pattern);

    /// <summary>--exclude-if-present FILE[:HEADER]: the contents of a directory holding FILE (starting with HEADER) are excluded, FILE itself kept.</summary>
    public void AddExcludeIfPresent(string spec)
    {
        int colon = spec.IndexOf(':');
        _ifPresent.Add(colon < 0 ? (spec, null) : (spec[..colon], spec[(colon + 1)..]));
    }

    public void AddExcludeCaches() => _ifPresent.Add((CacheDirTagName, CacheDirTagSignature));

    /// <summary>--one-file-system: only these devices (those of the backup targets) are entered.</summary>
    public void RestrictToDevices(IEnumerable<ulong> devices) => _allowedDevices = [.. devices];

    /// <summary>--exclude-larger-than: every item but a directory whose size is above <paramref name="bytes"/> is left out.</summary>
    public void ExcludeLargerThan(long bytes) => _maxFileSize = bytes;

    /// <summary>Lines of an --exclude-file: blank lines and # comments are skipped, $VARS expanded.</summary>
    public static IEnumerable<string> ReadPatternFile(string path)
    {
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            yield return ExpandVariables(line);
        }
    }

    private static string ExpandVariables(string s) =>
        System.Text.RegularExpressions.Regex.Replace(s, @"\$\{(\w+)\}|\$(\w+)", m =>
            Environment.GetEnvironmentVariable(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) ?? "");

    /// <summary>True when the item (absolute path, its status) is excluded by patterns, tag files or devices.</summary>
    public bool IsExcluded(string path, in FileStatus status)
    {
        if (_patterns.Matches(path) || _insensitivePatterns.Matches(path)) return true;
        if (_maxFileSize is { } max && !status.IsDirectory && status.Size > max) return true;
        if (_ifPresent.Count > 0 && ExcludedByTagFile(path)) return true;
        if (_allowedDevices is not null && !_allowedDevices.Contains(status.Device))
        {
            if (!status.IsDirectory) return true;
            // Keep a mount point itself (an empty directory) when its parent is on an allowed device.
            var parent = ParentOf(path);
            return !(Posix.TryLStat(parent, out var ps, out _) && _allowedDevices.Contains(ps.Device));
        }
        return false;
    }

    private bool ExcludedByTagFile(string path)
    {
        var dir = ParentOf(path);
        var name = path[(path.LastIndexOf('/') + 1)..];
        foreach (var (file, header) in _ifPresent)
        {
            if (name == file) continue;
            var tag = FsNames.Join(dir, file);
            // As restic: any entry of that name counts, and a header is read through a symlink.
            if (!Posix.TryLStat(tag, out var st, out _)) continue;
            if (header is null) return true;
            try
            {
                using var handle = st.IsSymlink ? File.OpenHandle(tag) : Posix.OpenRead(tag);
                var expected = System.Text.Encoding.UTF8.GetBytes(header);
                var buffer = new byte[expected.Length];
                int n = RandomAccess.Read(handle, buffer, 0);
                if (n == expected.Length && buffer.AsSpan().SequenceEqual(expected)) return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // a directory, unreadable: kept, as restic keeps it
        }
        return false;
    }

    private static string ParentOf(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }
}
