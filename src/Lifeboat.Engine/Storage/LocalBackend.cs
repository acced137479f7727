using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Lifeboat.Engine.Platform;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Storage;

/// <summary>
/// A repository in a local directory, in restic's default layout (packs sharded into data/00..ff) or the
/// older s3legacy layout (singular folder names, packs directly in data/), which is detected on open.
/// Writes follow restic: a temp file beside the target, fsync, rename, fsync the directory, then read-only.
/// </summary>
public sealed class LocalBackend : IBackend
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode NewFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode ReadOnlyFileMode = UnixFileMode.UserRead;

    private readonly string _root;
    private readonly HandleCache _packHandles = new(64);
    private bool _s3Legacy;

    public LocalBackend(string path)
    {
        Location = path;
        _root = Path.GetFullPath(path);
        _s3Legacy = DetectS3Legacy(_root);
    }

    public string Location { get; }
    public bool IsS3Legacy => _s3Legacy;

    private static bool DetectS3Legacy(string root) =>
        !Directory.Exists(Path.Combine(root, "keys")) && Directory.Exists(Path.Combine(root, "key"));

    private string FullPath(FileType type, string name) => Path.Combine(_root, BackendPaths.RelativePath(type, name, _s3Legacy));

    public Task CreateAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(_root, "config")))
            throw new IOException($"repository {Location} already exists: it has a config file");
        _s3Legacy = false;
        CreateDirectory(_root);
        foreach (var type in new[] { FileType.Key, FileType.Lock, FileType.Snapshot, FileType.Index, FileType.Pack })
            CreateDirectory(Path.Combine(_root, BackendPaths.Folder(type, false)));
        for (int i = 0; i < 256; i++)
            CreateDirectory(Path.Combine(_root, "data", i.ToString("x2")));
        return Task.CompletedTask;
    }

    private static void CreateDirectory(string path)
    {
        if (!Directory.Exists(path)) Directory.CreateDirectory(path, DirectoryMode);
    }

    public Task<bool> ExistsAsync(FileType type, string name, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(FullPath(type, name)));

    public Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        var info = new FileInfo(FullPath(type, name));
        if (!info.Exists) throw new BackendFileNotFoundException(type, name, Location);
        return Task.FromResult(info.Length);
    }

    public async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        if (type == FileType.Config)
        {
            var config = new FileInfo(Path.Combine(_root, "config"));
            if (config.Exists) yield return new BackendFile("config", config.Length);
            yield break;
        }
        var folder = new DirectoryInfo(Path.Combine(_root, BackendPaths.Folder(type, _s3Legacy)));
        if (!folder.Exists) yield break;
        var options = new EnumerationOptions { RecurseSubdirectories = type == FileType.Pack && !_s3Legacy, MaxRecursionDepth = 1, IgnoreInaccessible = false, AttributesToSkip = 0 };
        foreach (var file in folder.EnumerateFiles("*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (BackendPaths.IsValidName(file.Name)) yield return new BackendFile(file.Name, file.Length);
        }
    }

    public async Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        // Packs are read a range at a time, often many ranges of one pack in a row (trees, restores): keep
        // their handles open instead of paying open, flock and close for every range.
        if (type == FileType.Pack)
        {
            using var lease = _packHandles.Get(name, () => OpenForRead(type, name));
            await ReadExactlyAsync(lease.Handle, type, name, offset, destination, cancellationToken).ConfigureAwait(false);
            return;
        }
        using var handle = OpenForRead(type, name);
        await ReadExactlyAsync(handle, type, name, offset, destination, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ReadExactlyAsync(SafeFileHandle handle, FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        int done = 0;
        while (done < destination.Length)
        {
            int n = await RandomAccess.ReadAsync(handle, destination[done..], offset + done, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException($"{BackendPaths.Describe(type, name)} is shorter than expected: wanted {destination.Length} bytes at offset {offset}, got {done}");
            done += n;
        }
    }

    public async Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        using var handle = OpenForRead(type, name);
        long length = RandomAccess.GetLength(handle);
        var data = new byte[length];
        int done = 0;
        while (done < data.Length)
        {
            int n = await RandomAccess.ReadAsync(handle, data.AsMemory(done), done, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException($"{BackendPaths.Describe(type, name)} changed while it was read");
            done += n;
        }
        return data;
    }

    private SafeFileHandle OpenForRead(FileType type, string name)
    {
        try
        {
            return File.OpenHandle(FullPath(type, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException) { throw new BackendFileNotFoundException(type, name, Location); }
        catch (DirectoryNotFoundException) { throw new BackendFileNotFoundException(type, name, Location); }
    }

    public Task WriteAsync(FileType type, string name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        using var upload = (LocalUpload)BeginUpload(type);
        upload.Write(data.Span);
        upload.Commit(name);
        return Task.CompletedTask;
    }

    public IUpload BeginUpload(FileType type)
    {
        var folder = type == FileType.Config ? _root : Path.Combine(_root, BackendPaths.Folder(type, _s3Legacy));
        CreateDirectory(folder);
        return new LocalUpload(this, type, folder);
    }

    public Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        if (type == FileType.Pack) _packHandles.Remove(name);
        var path = FullPath(type, name);
        try
        {
            File.Delete(path);
        }
        catch (UnauthorizedAccessException)
        {
            // Read-only files in a directory we own can always be removed after making them writable.
            File.SetUnixFileMode(path, NewFileMode);
            File.Delete(path);
        }
        return Task.CompletedTask;
    }

    public void Dispose() => _packHandles.Dispose();

    private sealed class LocalUpload : IUpload
    {
        private readonly LocalBackend _backend;
        private readonly FileType _type;
        private readonly string _tempPath;
        private readonly FileStream _stream;
        private bool _committed;

        public LocalUpload(LocalBackend backend, FileType type, string folder)
        {
            _backend = backend;
            _type = type;
            _tempPath = Path.Combine(folder, $"tmp-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
            _stream = new FileStream(_tempPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = NewFileMode,
                BufferSize = 0,
            });
        }

        public long Length => _stream.Length;

        public void Write(ReadOnlySpan<byte> data) => _stream.Write(data);

        public Task CommitAsync(string name, CancellationToken cancellationToken)
        {
            Commit(name);
            return Task.CompletedTask;
        }

        public void Commit(string name)
        {
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            var target = _backend.FullPath(_type, name);
            var directory = Path.GetDirectoryName(target)!;
            CreateDirectory(directory);
            File.Move(_tempPath, target, overwrite: true);
            Posix.FsyncDirectory(directory);
            File.SetUnixFileMode(target, ReadOnlyFileMode);
            _committed = true;
        }

        public void Dispose()
        {
            _stream.Dispose();
            if (!_committed)
            {
                try { File.Delete(_tempPath); } catch (IOException) { }
            }
        }
    }
}
