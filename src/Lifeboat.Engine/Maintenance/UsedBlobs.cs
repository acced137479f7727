using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// The blobs the snapshots use, as prune finds them by walking the snapshots' trees: an indexed blob is one bit at its
/// first index entry (a blob that several packs hold is one blob), so a million blobs cost 125 KB instead of the ~50 MB
/// a set of their IDs took; a blob the index lacks is kept by ID (a damaged repository: prune stops on them).
/// </summary>
internal sealed class UsedBlobs(MasterIndex index)
{
    private readonly EntryBitmap _firstEntries = new(index.Count);

    /// <summary>Used blobs that the index does not list.</summary>
    public HashSet<(BlobType Type, Id Id)> Unindexed { get; } = [];

    /// <summary>Adds a blob; true when it was not there yet.</summary>
    public bool Add(BlobType type, Id id)
    {
        int entry = index.Find(type, id);
        return entry < 0 ? Unindexed.Add((type, id)) : _firstEntries.Add(entry);
    }

    /// <summary>Whether the blob whose first index entry is <paramref name="firstEntry"/> is used.</summary>
    public bool ContainsFirstEntry(int firstEntry) => _firstEntries.Contains(firstEntry);
}
