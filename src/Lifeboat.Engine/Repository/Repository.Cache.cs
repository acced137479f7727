using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.Cache;

namespace Lifeboat.Engine.Repository;

/// <summary>The local cache of a remote repository (restic's): where the repository opens it, feeds it the index and its new tree packs.</summary>
public sealed partial class Repository
{
    /// <summary>The cache in front of the repository's storage, or null (a local repository, --no-cache, or a cache that could not be opened).</summary>
    public CacheBackend? Cache => _guard.Unguarded as CacheBackend;

    /// <summary>
    /// The storage with the cache of <see cref="RepositoryOptions.CacheDirectory"/> in front of it, for a remote repository.
    /// A cache that cannot be opened is a warning, and the repository is used without one (restic does the same).
    /// </summary>
    private static IBackend WithCache(IBackend backend, RepositoryConfig config, RepositoryOptions options)
    {
        if (options.CacheDirectory is not { Length: > 0 } directory || backend.IsLocal) return backend;
        try
        {
            return new CacheBackend(backend, LocalCache.Open(directory, config.Id), options.Warn);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            options.Warn?.Invoke($"unable to open cache: {e.Message}");
            return backend;
        }
    }

    /// <summary>After the index is loaded: which packs hold trees, and cached packs the index no longer lists are removed.</summary>
    private void PrepareCache()
    {
        if (Cache is not { } cache) return;
        var treePacks = Index.PacksWith(BlobType.Tree);
        var packs = Index.Packs.ToHashSet();
        cache.UseIndex(
            name => Id.TryParse(name, out var id) && treePacks.Contains(id),
            name => Id.TryParse(name, out var id) && packs.Contains(id));
    }

    /// <summary>A pack about to be uploaded: one of trees is written through to the cache.</summary>
    private void NoteNewPack(Id packId, IReadOnlyList<PackedBlob> blobs)
    {
        if (Cache is { } cache && blobs.Count > 0 && blobs[0].Type == BlobType.Tree) cache.AddTreePack(packId.ToString());
    }
}
