using System.Text;

namespace Lifeboat.Engine.Storage.Cache;

/// <summary>
/// The base directory that holds one cache directory per repository (named by the repository's ID), in restic's layout:
/// a CACHEDIR.TAG at the top, then <c>&lt;id&gt;/version</c>, <c>&lt;id&gt;/snapshots/</c>, <c>&lt;id&gt;/index/</c> and
/// <c>&lt;id&gt;/data/</c>, each sharded by the first two hex digits of a file's name. A repository's directory is touched
/// (its modification time set to now) whenever it is used, which is how old caches are told apart.
/// </summary>
public static class CacheDirectories
{
    /// <summary>The tag that marks a directory as a cache (https://bford.info/cachedir/); backups skip it with --exclude-caches.</summary>
    public const string TagFileName = "CACHEDIR.TAG";
    public const string TagContent = "Signature: 8a477f597d28d172789f06886806bc55\n";

    /// <summary>After how long without use a repository's cache counts as old (restic: 30 days).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(30);

    internal const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    internal const UnixFileMode SharedFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// The default base directory: $XDG_CACHE_HOME/lifeboat, else $HOME/.cache/lifeboat (restic uses .../restic; point
    /// --cache-dir or $RESTIC_CACHE_DIR there to share restic's cache). The caller resolves --cache-dir and the
    /// $LIFEBOAT_CACHE_DIR / $RESTIC_CACHE_DIR variables first.
    /// </summary>
    /// <exception cref="IOException">Neither variable is set.</exception>
    public static string DefaultBase(Func<string, string?> environment)
    {
        if (environment("XDG_CACHE_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "lifeboat");
        if (environment("HOME") is { Length: > 0 } home) return Path.Combine(home, ".cache", "lifeboat");
        throw new IOException("unable to locate cache directory: neither $XDG_CACHE_HOME nor $HOME are defined");
    }

    /// <summary>A repository's cache directory is named by its ID: 64 hex digits (anything else in the base is left alone).</summary>
    public static bool IsRepositoryDirectoryName(string name)
    {
        if (name.Length != 64) return false;
        foreach (char c in name)
            if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }

    /// <summary>Every repository cache under <paramref name="baseDirectory"/>, least recently used first; none when the base does not exist.</summary>
    public static List<CacheDirectoryInfo> List(string baseDirectory)
    {
        var result = new List<CacheDirectoryInfo>();
        var root = new DirectoryInfo(baseDirectory);
        if (!root.Exists) return result;
        foreach (var dir in root.EnumerateDirectories())
        {
            if (!IsRepositoryDirectoryName(dir.Name) || dir.LinkTarget is not null) continue;
            result.Add(new CacheDirectoryInfo(dir.Name, dir.FullName, dir.LastWriteTimeUtc));
        }
        result.Sort((a, b) => a.LastUsed.CompareTo(b.LastUsed));
        return result;
    }

    /// <summary>The caches not used for longer than <paramref name="maxAge"/>.</summary>
    public static List<CacheDirectoryInfo> OlderThan(string baseDirectory, TimeSpan maxAge, DateTime? nowUtc = null)
    {
        var oldest = (nowUtc ?? DateTime.UtcNow) - maxAge;
        return List(baseDirectory).Where(d => d.LastUsed < oldest).ToList();
    }

    /// <summary>The bytes of every file under a directory (symbolic links are not followed).</summary>
    public static long Size(string directory)
    {
        long size = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", options)) size += file.Length;
        return size;
    }

    /// <summary>Creates the base directory when it is missing; true when it did. Fails when the path is not a directory.</summary>
    internal static bool EnsureBase(string baseDirectory)
    {
        if (Directory.Exists(baseDirectory)) return false;
        if (File.Exists(baseDirectory)) throw new IOException($"cache dir {baseDirectory} is not a directory");
        Directory.CreateDirectory(baseDirectory, DirectoryMode);
        return true;
    }

    /// <summary>Writes CACHEDIR.TAG into the base unless it is there already.</summary>
    internal static void WriteTag(string baseDirectory)
    {
        var path = Path.Combine(baseDirectory, TagFileName);
        if (File.Exists(path)) return;
        try
        {
            using var tag = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = SharedFileMode,
            });
            tag.Write(Encoding.ASCII.GetBytes(TagContent));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process wrote it first.
        }
    }
}

/// <summary>One repository's cache directory: its name (the repository ID), path and when it was last used.</summary>
public sealed record CacheDirectoryInfo(string Name, string Path, DateTime LastUsed);
