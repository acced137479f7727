namespace Lifeboat.Engine.Repository;

/// <summary>
/// Which index files the in-memory index was loaded from, and the few ways it changes besides loading and saving: check
/// loads index files one by one, prune and rebuild-index replace the files they supersede. Callers read
/// <see cref="Index"/> and <see cref="IndexFiles"/>; only these members (and loading, saving) change them.
/// </summary>
public sealed partial class Repository
{
    private readonly List<Id> _indexFiles = [];

    /// <summary>
    /// The index files the index was loaded from or written to, as a copy: it does not change as files are added later.
    /// </summary>
    public IReadOnlyList<Id> IndexFiles
    {
        get { lock (_indexFiles) return _indexFiles.ToArray(); }
    }

    /// <summary>
    /// Adds an index file that the caller loaded and parsed itself (check does, to report each file that fails), pack by
    /// pack in its order. <paramref name="onPack"/> learns, for each pack, which entries of <see cref="Index"/> it added.
    /// </summary>
    internal void AddIndexFile(Id indexFile, IndexFile file, IndexedPackHandler? onPack)
    {
        foreach (var (packId, blobs) in file.Packs)
        {
            int first = Index.Count;
            Index.AddPack(packId, blobs);
            onPack?.Invoke(packId, blobs, first, Index.Count - first);
        }
        lock (_indexFiles) _indexFiles.Add(indexFile);
    }

    /// <summary>After prune: <paramref name="indexFiles"/> now describe the repository, in place of the files they superseded.</summary>
    internal void ReplaceIndexFiles(IEnumerable<Id> indexFiles)
    {
        lock (_indexFiles)
        {
            _indexFiles.Clear();
            _indexFiles.AddRange(indexFiles);
        }
    }

    /// <summary>
    /// After rebuild-index: the index becomes <paramref name="packs"/>, written as <paramref name="indexFiles"/>, in place
    /// of whatever was loaded before (rebuild-index runs on a repository opened without its index).
    /// </summary>
    internal void ReplaceIndex(IEnumerable<Id> indexFiles, IEnumerable<(Id PackId, List<PackedBlob> Blobs)> packs)
    {
        Index.Clear();
        foreach (var (packId, blobs) in packs) Index.AddPack(packId, blobs);
        ReplaceIndexFiles(indexFiles);
    }
}

/// <summary>
/// One pack of an index file as <see cref="Repository.AddIndexFile"/> added it: its blobs as listed, the number of the
/// first <see cref="MasterIndex"/> entry it added (see <see cref="MasterIndex.Find"/>) and how many it added (fewer than
/// listed when the pack was already indexed or lists a blob twice).
/// </summary>
internal delegate void IndexedPackHandler(Id packId, List<PackedBlob> blobs, int firstEntry, int added);
