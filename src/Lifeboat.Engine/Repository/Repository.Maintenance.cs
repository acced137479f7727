using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>What prune and forget need beyond reading and writing: writing chosen index files, repacking.</summary>
public sealed partial class Repository
{
    /// <summary>
    /// A second handle on the same repository with an empty index, for repacking: every blob saved through it
    /// goes into a new pack even though the main index already lists it in an old one.
    /// </summary>
    public Repository CreateRepackTarget() => new(Backend, Config, Key, KeyName, Options);

    /// <summary>
    /// Writes index files covering exactly the given packs, split as restic splits them, each listing
    /// <paramref name="supersedes"/>. Returns the new files' IDs; nothing is written for no packs.
    /// </summary>
    public async Task<List<Id>> SaveIndexFilesAsync(IEnumerable<(Id PackId, List<PackedBlob> Blobs)> packs, IReadOnlyCollection<Id> supersedes,
        CancellationToken cancellationToken)
    {
        int limit = Version >= 2 ? IndexBlobsV2 : IndexBlobsV1;
        var written = new List<Id>();
        IndexFile? current = null;
        int blobs = 0;
        foreach (var pack in packs)
        {
            if (current is null)
            {
                current = new IndexFile();
                current.Supersedes.AddRange(supersedes);
            }
            current.Packs.Add(pack);
            blobs += pack.Blobs.Count;
            if (blobs >= limit)
            {
                written.Add(await SaveUnpackedAsync(FileType.Index, current.ToJson(), cancellationToken).ConfigureAwait(false));
                current = null;
                blobs = 0;
            }
        }
        if (current is not null) written.Add(await SaveUnpackedAsync(FileType.Index, current.ToJson(), cancellationToken).ConfigureAwait(false));
        return written;
    }
}
