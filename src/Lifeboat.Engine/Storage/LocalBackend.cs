using System.Runtime.CompilerServices;
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
    /// <summary>restic's default for a local repository: two files written at once keep a disk busy without thrashing it.</summary>
    public int Connections { get; init; } = 2;
    public bool IsLocal => true;
    public bool IsS3Legacy => _s3Legacy;

    private static bool DetectS3Legacy(string root) =>
        !Directory.Exists(Path.Combine(root, "keys")) && Directory.Exists(Path.Combine(root, "key"));

    private string FullPath(FileType type, string name) => Path.Combine(_root, BackendPaths.RelativePath(type, name, _s3Legacy));

    public Task CreateAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(_root, "config")))
            throw BackendException.Permanent($"repository {Location} already exists: it has a config file");
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

    public StagingFile CreateStagingFile(FileType type)
    {
        var folder = type == FileType.Config ? _root : Path.Combine(_root, BackendPaths.Folder(type, _s3Legacy));
        CreateDirectory(folder);
        return new StagingFile(folder);
    }

    public async Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken)
    {
        // A file staged in this repository (a pack built in place) is saved by renaming it: no second copy of its bytes.
        if (source is StagingFile staged && IsInside(staged.Directory))
        {
            staged.Complete(durable: true);
            Commit(staged.Path, type, name);
            staged.MarkTaken();
            return;
        }
        using var copy = CreateStagingFile(type);
        if (source.TryGetMemory(out var memory)) copy.Write(memory.Span);
        else
        {
            await using var stream = source.OpenRead();
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) copy.Write(buffer.AsSpan(0, n));
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        copy.Complete(durable: true);
        Commit(copy.Path, type, name);
        copy.MarkTaken();
    }

    private bool IsInside(string directory)
    {
        var full = Path.GetFullPath(directory);
        return full == _root || full.StartsWith(_root + "/", StringComparison.Ordinal);
    }

    /// <summary>restic's order: the temp file is on disk, renamed over the target, the directory synced, the file made read-only.</summary>
    private void Commit(string tempPath, FileType type, string name)
    {
        var target = FullPath(type, name);
        var directory = Path.GetDirectoryName(target)!;
        CreateDirectory(directory);
        File.Move(tempPath, target, overwrite: true);
        Posix.FsyncDirectory(directory);
        File.SetUnixFileMode(target, ReadOnlyFileMode);
    }

    public Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        if (type == FileType.Pack) _packHandles.Remove(name);
        var path = FullPath(type, name);
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException) { }
        catch (UnauthorizedAccessException)
        {
            // Read-only files in a directory we own can always be removed after making them writable.
            File.SetUnixFileMode(path, NewFileMode);
            File.Delete(path);
        }
        return Task.CompletedTask;
    }

    public void Dispose() => _packHandles.Dispose();
}
