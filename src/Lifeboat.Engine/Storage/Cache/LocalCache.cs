using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Engine.Storage.Cache;

/// <summary>
/// One repository's cache directory, in restic's layout (cache version 1): <c>version</c>, and the snapshot, index and
/// pack files under <c>snapshots/</c>, <c>index/</c> and <c>data/</c>, each in a subfolder named by the first two hex
/// digits of the file's name. Files are written under a temporary name and renamed into place, so a reader sees a
/// whole file or none; every file's name is the SHA-256 of its content, which is how a damaged one is recognised.
/// </summary>
public sealed class LocalCache
{
    /// <summary>The layout version this code reads and writes (restic's cacheVersion).</summary>
    public const int LayoutVersion = 1;

    private const UnixFileMode FileMode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const string TempMarker = ".tmp-";
    private static readonly TimeSpan AbandonedTempAge = TimeSpan.FromHours(1);

    private LocalCache(string baseDirectory, string path, string repositoryId, bool created)
    {
        BaseDirectory = baseDirectory;
        Path = path;
        RepositoryId = repositoryId;
        Created = created;
    }

    /// <summary>The directory that holds the caches of all repositories.</summary>
    public string BaseDirectory { get; }
    /// <summary>This repository's cache directory: the base and the repository ID.</summary>
    public string Path { get; }
    public string RepositoryId { get; }
    /// <summary>True when the base or this repository's directory did not exist before (restic says "created new cache").</summary>
    public bool Created { get; }

    /// <summary>
    /// Opens (and creates when needed) the cache of repository <paramref name="repositoryId"/> under
    /// <paramref name="baseDirectory"/>, marking it as used now.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be created or written, or a newer layout version is found.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission on the directory.</exception>
    public static LocalCache Open(string baseDirectory, string repositoryId)
    {
        if (!CacheDirectories.IsRepositoryDirectoryName(repositoryId))
            throw new IOException($"repository ID \"{repositoryId}\" is not 64 hex digits");
        baseDirectory = System.IO.Path.GetFullPath(baseDirectory);
        bool created = CacheDirectories.EnsureBase(baseDirectory);
        CacheDirectories.WriteTag(baseDirectory);

        var path = System.IO.Path.Combine(baseDirectory, repositoryId);
        int version = ReadVersion(path);
        if (version > LayoutVersion)
            throw new IOException($"cache {path} has layout version {version}, newer than this program knows ({LayoutVersion})");
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, CacheDirectories.DirectoryMode);
            created = true;
        }
        var now = DateTime.UtcNow;
        Directory.SetLastWriteTimeUtc(path, now);
        Directory.SetLastAccessTimeUtc(path, now);
        if (version < LayoutVersion)
            WriteVersion(path);
        foreach (var type in (FileType[])[FileType.Snapshot, FileType.Index, FileType.Pack])
        {
            var folder = System.IO.Path.Combine(path, Folder(type));
            if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, CacheDirectories.DirectoryMode);
        }
        return new LocalCache(baseDirectory, path, repositoryId, created);
    }

    private static int ReadVersion(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(System.IO.Path.Combine(path, "version"), Encoding.ASCII);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            throw new IOException($"cache {path} has a damaged version file (\"{text.Trim()}\"): remove the directory");
        return version;
    }

    private static void WriteVersion(string path)
    {
        var file = System.IO.Path.Combine(path, "version");
        using var stream = new FileStream(file, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = CacheDirectories.SharedFileMode,
        });
        stream.Write(Encoding.ASCII.GetBytes(LayoutVersion.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>The types kept in a cache: snapshots, index files and (tree) packs; never config, keys or locks.</summary>
    public static bool Holds(FileType type) => type is FileType.Snapshot or FileType.Index or FileType.Pack;

    /// <summary>The folder of a type, as restic names it in its cache.</summary>
    public static string Folder(FileType type) => type switch
    {
        FileType.Snapshot => "snapshots",
        FileType.Index => "index",
        FileType.Pack => "data",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "this file type is never cached"),
    };

    /// <summary>Where a file lives in the cache: <c>data/0d/0ddc7ba4…</c>.</summary>
    public string FilePath(FileType type, string name) => System.IO.Path.Combine(Path, Folder(type), name[..2], name);

    public bool Has(FileType type, string name) => File.Exists(FilePath(type, name));

    /// <summary>A cached file whose content matches its name, or null: a damaged file is removed.</summary>
    public byte[]? ReadVerified(FileType type, string name)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(FilePath(type, name));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        if (Matches(name, SHA256.HashData(data))) return data;
        Remove(type, name);
        return null;
    }

    /// <summary>True when the cached file is there and its content matches its name; a damaged file is removed.</summary>
    public async Task<bool> VerifyAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        byte[] hash;
        try
        {
            await using var stream = new FileStream(FilePath(type, name), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
                BufferSize = 0,
            });
            hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        if (Matches(name, hash)) return true;
        Remove(type, name);
        return false;
    }

    internal static bool Matches(string name, ReadOnlySpan<byte> hash)
    {
        Span<byte> expected = stackalloc byte[32];
        return Convert.FromHexString(name, expected, out _, out int written) == System.Buffers.OperationStatus.Done
            && written == 32 && expected.SequenceEqual(hash);
    }

    /// <summary>Starts writing a file into the cache under a temporary name; <see cref="CacheWriter.Commit"/> puts it in place.</summary>
    public CacheWriter BeginWrite(FileType type, string name)
    {
        var target = FilePath(type, name);
        var folder = System.IO.Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, CacheDirectories.DirectoryMode);
        var temp = target + TempMarker + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        return new CacheWriter(temp, target, name);
    }

    /// <summary>Removes a cached file; a missing one is fine.</summary>
    public void Remove(FileType type, string name)
    {
        try
        {
            File.Delete(FilePath(type, name));
        }
        catch (DirectoryNotFoundException) { }
    }

    /// <summary>The names of the cached files of a type.</summary>
    public List<string> List(FileType type)
    {
        var names = new List<string>();
        var folder = new DirectoryInfo(System.IO.Path.Combine(Path, Folder(type)));
        if (!folder.Exists) return names;
        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1, IgnoreInaccessible = true, AttributesToSkip = 0 };
        foreach (var file in folder.EnumerateFiles("*", options))
            if (BackendPaths.IsValidName(file.Name)) names.Add(file.Name);
        return names;
    }

    /// <summary>
    /// Removes every cached file of a type that <paramref name="keep"/> rejects (restic's Clear), and temporary files
    /// left behind by a process that died while writing. Returns the names removed.
    /// </summary>
    public List<string> Clear(FileType type, Func<string, bool> keep)
    {
        var removed = new List<string>();
        var folder = new DirectoryInfo(System.IO.Path.Combine(Path, Folder(type)));
        if (!folder.Exists) return removed;
        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1, IgnoreInaccessible = true, AttributesToSkip = 0 };
        var abandoned = DateTime.UtcNow - AbandonedTempAge;
        foreach (var file in folder.EnumerateFiles("*", options))
        {
            if (BackendPaths.IsValidName(file.Name))
            {
                if (keep(file.Name)) continue;
                removed.Add(file.Name);
            }
            else if (!file.Name.Contains(TempMarker, StringComparison.Ordinal) || file.LastWriteTimeUtc > abandoned)
            {
                continue;
            }
            try { file.Delete(); }
            catch (DirectoryNotFoundException) { }
        }
        return removed;
    }

    /// <summary>
    /// A file being written into the cache: hashed as it is written, and put in place by <see cref="Commit"/> only when
    /// its content matches its name. Disposing an uncommitted writer removes the temporary file.
    /// </summary>
    public sealed class CacheWriter : IDisposable
    {
        private readonly string _temp;
        private readonly string _target;
        private readonly string _name;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private FileStream? _stream;
        private bool _committed;

        internal CacheWriter(string temp, string target, string name)
        {
            _temp = temp;
            _target = target;
            _name = name;
            _stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = FileMode600,
                BufferSize = 0,
            });
        }

        public void Write(ReadOnlySpan<byte> data)
        {
            (_stream ?? throw new InvalidOperationException("the cache file is closed")).Write(data);
            _hash.AppendData(data);
        }

        /// <summary>Closes the file and renames it into place; false (and nothing cached) when the content does not match the name.</summary>
        public bool Commit()
        {
            _stream?.Dispose();
            _stream = null;
            Span<byte> hash = stackalloc byte[32];
            _hash.GetHashAndReset(hash);
            if (!Matches(_name, hash)) return false;
            File.Move(_temp, _target, overwrite: true);
            _committed = true;
            return true;
        }

        public void Dispose()
        {
            _stream?.Dispose();
            _stream = null;
            _hash.Dispose();
            if (_committed) return;
            try { File.Delete(_temp); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
