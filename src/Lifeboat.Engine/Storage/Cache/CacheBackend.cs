using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Lifeboat.Engine.Storage.Cache;

/// <summary>
/// A remote repository with a local cache in front of it, as restic keeps one: snapshots and index files are cached when
/// they are read or saved, packs that hold tree blobs when they are saved or first read (the whole pack is fetched on the
/// first read of any part of it; later reads are local). Every cached file is checked against its name (the SHA-256 of
/// its content) before it is used: a damaged one is removed and read again from the repository, never trusted. Deletes
/// remove the cached copy too, and listing snapshots or index files removes cached ones the repository no longer has.
/// A failure of the cache itself (disk full, no permission) never fails an operation: the repository is read instead.
/// </summary>
public sealed class CacheBackend : BackendDecorator
{
    /// <summary>How much of a pack is fetched per request while it is copied into the cache.</summary>
    private const int DownloadChunk = 4 << 20;

    private readonly ConcurrentDictionary<(FileType Type, string Name), Task> _inFlight = new();
    /// <summary>Cached packs whose content this process has checked (a pack is hashed once, then read by range).</summary>
    private readonly ConcurrentDictionary<string, bool> _verified = new(StringComparer.Ordinal);
    /// <summary>Tree packs this process saved, known before an index lists them.</summary>
    private readonly ConcurrentDictionary<string, bool> _savedTreePacks = new(StringComparer.Ordinal);
    private readonly HandleCache _handles = new(64);
    private readonly Action<string>? _warn;
    private Func<string, bool> _holdsTrees = _ => false;
    private int _warned;

    /// <param name="inner">The repository's own storage.</param>
    /// <param name="cache">The repository's cache directory.</param>
    /// <param name="warn">Told once when the cache cannot be written (the command goes on without it).</param>
    public CacheBackend(IBackend inner, LocalCache cache, Action<string>? warn = null) : base(inner)
    {
        Cache = cache;
        _warn = warn;
    }

    public LocalCache Cache { get; }

    /// <summary>
    /// Tells the cache which packs hold tree blobs (fetched whole on their first read), from the loaded index, and removes
    /// cached packs that the index no longer lists (restic does this after loading the index).
    /// </summary>
    public void UseIndex(Func<string, bool> holdsTrees, Func<string, bool> isIndexed)
    {
        _holdsTrees = holdsTrees;
        try
        {
            foreach (var name in Cache.Clear(FileType.Pack, n => isIndexed(n) || _savedTreePacks.ContainsKey(n))) Forget(name);
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Warn(e);
        }
    }

    /// <summary>A pack of tree blobs about to be saved: its content is kept in the cache too.</summary>
    public void AddTreePack(string name) => _savedTreePacks[name] = true;

    private bool HoldsTrees(string name) => _savedTreePacks.ContainsKey(name) || _holdsTrees(name);

    private static bool Cached(FileType type, string name) => LocalCache.Holds(type) && BackendPaths.IsValidName(name);

    /// <summary>Cache-side failures: the disk, permissions. A backend's own errors (also IOExceptions) are not among them.</summary>
    private static bool IsCacheFailure(Exception e) => e is (IOException and not BackendException) or UnauthorizedAccessException;

    private void Warn(Exception e)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
            _warn?.Invoke($"cache {Cache.Path} cannot be written ({e.Message}): going on without caching");
    }

    private void Forget(string name)
    {
        _verified.TryRemove(name, out _);
        _handles.Remove(name);
    }

    private void RemoveCached(FileType type, string name)
    {
        if (type == FileType.Pack) Forget(name);
        try { Cache.Remove(type, name); }
        catch (Exception e) when (IsCacheFailure(e)) { Warn(e); }
    }

    /// <summary>
    /// Runs <paramref name="lead"/> once for a file however many callers ask at the same time (two readers of one missing
    /// pack download it once); the others wait for it and then run <paramref name="follow"/>.
    /// </summary>
    private async Task<T> OnceAsync<T>(FileType type, string name, Func<Task<T>> lead, Func<Task<T>> follow, CancellationToken cancellationToken)
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _inFlight.GetOrAdd((type, name), mine.Task);
        if (running != mine.Task)
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
            return await follow().ConfigureAwait(false);
        }
        try
        {
            return await lead().ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<(FileType, string), Task>((type, name), mine.Task));
            mine.SetResult();
        }
    }

    // ---- reads ----

    public override async Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        if (!Cached(type, name)) return await Inner.ReadAllAsync(type, name, cancellationToken).ConfigureAwait(false);
        if (TryReadCached(type, name) is { } cached) return cached;
        bool keep = type != FileType.Pack || HoldsTrees(name);
        return await OnceAsync(type, name,
            async () =>
            {
                var data = await Inner.ReadAllAsync(type, name, cancellationToken).ConfigureAwait(false);
                if (keep) Store(type, name, data);
                return data;
            },
            // Every caller gets its own buffer (readers decrypt in place).
            async () => TryReadCached(type, name) ?? await Inner.ReadAllAsync(type, name, cancellationToken).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    private byte[]? TryReadCached(FileType type, string name)
    {
        try
        {
            var data = Cache.ReadVerified(type, name);
            if (data is null) { if (type == FileType.Pack) Forget(name); return null; }
            if (type == FileType.Pack) _verified[name] = true;
            return data;
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            return null;
        }
    }

    private void Store(FileType type, string name, ReadOnlySpan<byte> data)
    {
        try
        {
            using var writer = Cache.BeginWrite(type, name);
            writer.Write(data);
            if (writer.Commit() && type == FileType.Pack) _verified[name] = true;
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Warn(e);
        }
    }

    public override async Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (!Cached(type, name))
        {
            await Inner.ReadAsync(type, name, offset, destination, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (type != FileType.Pack)
        {
            // Snapshots and index files are small: the range comes from the whole (cached) file.
            var all = await ReadAllAsync(type, name, cancellationToken).ConfigureAwait(false);
            if (offset < 0 || offset + destination.Length > all.Length)
                throw new EndOfStreamException($"{BackendPaths.Describe(type, name)} is shorter than expected: wanted {destination.Length} bytes at offset {offset} of {all.Length}");
            all.AsMemory((int)offset, destination.Length).CopyTo(destination);
            return;
        }
        if (await TryReadPackAsync(name, offset, destination, cancellationToken).ConfigureAwait(false)) return;
        bool fetch = HoldsTrees(name);
        if (fetch || Cache.Has(FileType.Pack, name))
        {
            await OnceAsync(FileType.Pack, name, () => FillPackAsync(name, fetch, cancellationToken), () => Task.FromResult(true), cancellationToken).ConfigureAwait(false);
            if (await TryReadPackAsync(name, offset, destination, cancellationToken).ConfigureAwait(false)) return;
        }
        await Inner.ReadAsync(type, name, offset, destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A pack this process has checked in the cache (and the cached small files) is served from the cache, read by range
    /// as <see cref="ReadAsync"/> serves it (falling back to the repository should the cached copy go); anything else is
    /// streamed from the repository.
    /// </summary>
    public override Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken) =>
        Cached(type, name) && (type != FileType.Pack || _verified.ContainsKey(name))
            ? RangeReadStream.OpenAsync(this, type, name, offset, length, cancellationToken)
            : Inner.OpenReadAsync(type, name, offset, length, cancellationToken);

    /// <summary>Reads a range of a cached pack already checked by this process; false when it is not (or no longer) there.</summary>
    private async Task<bool> TryReadPackAsync(string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (!_verified.ContainsKey(name)) return false;
        try
        {
            using var lease = _handles.Get(name, () => File.OpenHandle(Cache.FilePath(FileType.Pack, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            int done = 0;
            while (done < destination.Length)
            {
                int n = await RandomAccess.ReadAsync(lease.Handle, destination[done..], offset + done, cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                done += n;
            }
            if (done == destination.Length) return true;
            // Shorter than the index says: not the pack it was (or the index is wrong); the repository decides.
            Forget(name);
            return false;
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Forget(name);
            return false;
        }
    }

    /// <summary>
    /// Makes a pack usable from the cache: checks a cached copy once, or (for a tree pack) copies the whole pack from the
    /// repository, chunk by chunk, checking its hash before it is put in place.
    /// </summary>
    private async Task<bool> FillPackAsync(string name, bool fetch, CancellationToken cancellationToken)
    {
        if (_verified.ContainsKey(name)) return true;
        try
        {
            if (await Cache.VerifyAsync(FileType.Pack, name, cancellationToken).ConfigureAwait(false))
            {
                _verified[name] = true;
                return true;
            }
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            return false;
        }
        if (!fetch) return false;

        long size = await Inner.StatAsync(FileType.Pack, name, cancellationToken).ConfigureAwait(false);
        LocalCache.CacheWriter writer;
        try
        {
            writer = Cache.BeginWrite(FileType.Pack, name);
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Warn(e);
            return false;
        }
        using (writer)
        {
            var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(size, 1, DownloadChunk));
            try
            {
                for (long offset = 0; offset < size;)
                {
                    int n = (int)Math.Min(buffer.Length, size - offset);
                    await Inner.ReadAsync(FileType.Pack, name, offset, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    writer.Write(buffer.AsSpan(0, n));
                    offset += n;
                }
                if (!writer.Commit()) return false;
            }
            catch (Exception e) when (IsCacheFailure(e))
            {
                Warn(e);
                return false;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        _verified[name] = true;
        return true;
    }

    // ---- writes ----

    public override async Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken)
    {
        await Inner.SaveAsync(type, name, source, cancellationToken).ConfigureAwait(false);
        if (!Cached(type, name) || (type == FileType.Pack && !HoldsTrees(name))) return;
        // Written through once the repository holds it, from the rewindable source. A source the backend took
        // (a staged pack renamed into a local repository) is simply not cached.
        try
        {
            using var writer = Cache.BeginWrite(type, name);
            if (source.TryGetMemory(out var memory)) writer.Write(memory.Span);
            else
            {
                await using var stream = source.OpenRead();
                var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
                try
                {
                    int n;
                    while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) writer.Write(buffer.AsSpan(0, n));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            if (writer.Commit() && type == FileType.Pack) _verified[name] = true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Warn(e);
        }
    }

    public override async Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        await Inner.DeleteAsync(type, name, cancellationToken).ConfigureAwait(false);
        if (Cached(type, name)) RemoveCached(type, name);
        if (type == FileType.Pack) _savedTreePacks.TryRemove(name, out _);
    }

    public override async Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await Inner.StatAsync(type, name, cancellationToken).ConfigureAwait(false);
        }
        catch (BackendFileNotFoundException) when (Cached(type, name))
        {
            RemoveCached(type, name);
            throw;
        }
    }

    /// <summary>Lists the repository; a complete listing of snapshots or index files also removes cached ones not in it.</summary>
    public override async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (type is not (FileType.Snapshot or FileType.Index))
        {
            await foreach (var f in Inner.ListAsync(type, cancellationToken).ConfigureAwait(false)) yield return f;
            yield break;
        }
        var listed = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var f in Inner.ListAsync(type, cancellationToken).ConfigureAwait(false))
        {
            listed.Add(f.Name);
            yield return f;
        }
        try
        {
            Cache.Clear(type, listed.Contains);
        }
        catch (Exception e) when (IsCacheFailure(e))
        {
            Warn(e);
        }
    }

    public override void Dispose()
    {
        _handles.Dispose();
        base.Dispose();
    }
}
