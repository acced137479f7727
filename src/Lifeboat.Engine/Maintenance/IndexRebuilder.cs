using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Maintenance;

/// <summary>What rebuild-index did, and what it reports along the way (restic's warnings).</summary>
public sealed class IndexRebuildResult
{
    public List<Id> PacksAdded { get; } = [];
    public List<Id> PacksReindexed { get; } = [];
    public List<Id> PacksRemoved { get; } = [];
    public List<Id> PacksSkipped { get; } = [];
    public List<Id> IndexFilesWritten { get; } = [];
    public List<Id> IndexFilesRemoved { get; } = [];
    public int PacksRead { get; set; }
}

/// <summary>
/// restic 0.14's rebuild-index (newer restic's "repair index"): an index made from the pack headers. Packs the current
/// index covers at the right size keep their entries unless every pack is to be read; the rest are read. The new index
/// files are written first and the old ones deleted afterwards, so a crash at any point leaves a complete index.
/// The caller holds an exclusive lock; the repository must be opened without loading its index.
/// </summary>
public sealed class IndexRebuilder(Repository.Repository repository, Action<string>? onMessage = null)
{
    private const int IndexBlobsV1 = 50_000;
    private const int IndexBlobsV2 = 150_000;

    public async Task<IndexRebuildResult> RunAsync(bool readAllPacks, CancellationToken cancellationToken)
    {
        var result = new IndexRebuildResult();
        var oldIndexFiles = await repository.ListIdsAsync(FileType.Index, cancellationToken).ConfigureAwait(false);
        oldIndexFiles.Sort();

        var known = new Dictionary<Id, List<PackedBlob>>();
        if (!readAllPacks)
        {
            foreach (var indexId in oldIndexFiles)
            {
                try
                {
                    var file = IndexFile.Parse(await repository.LoadUnpackedAsync(FileType.Index, indexId, cancellationToken).ConfigureAwait(false), indexId.ToString());
                    foreach (var (packId, blobs) in file.Packs) known.TryAdd(packId, blobs);
                }
                catch (RepositoryException e)
                {
                    onMessage?.Invoke($"removing invalid index {indexId}: {e.Message}");
                }
            }
        }

        var toRead = new Dictionary<Id, long>();
        var kept = new Dictionary<Id, List<PackedBlob>>();
        var present = new HashSet<Id>();
        await foreach (var f in repository.ListFilesAsync(FileType.Pack, cancellationToken).ConfigureAwait(false))
        {
            if (!Id.TryParse(f.Name, out var packId)) continue;
            present.Add(packId);
            if (known.TryGetValue(packId, out var blobs) && PackHeader.PackSize(blobs) == f.Size)
            {
                kept[packId] = blobs;
                continue;
            }
            toRead[packId] = f.Size;
            if (readAllPacks) continue;
            if (!known.ContainsKey(packId))
            {
                onMessage?.Invoke($"adding pack file to index {packId}");
                result.PacksAdded.Add(packId);
            }
            else
            {
                onMessage?.Invoke($"reindexing pack file {packId} with unexpected size {f.Size} instead of {PackHeader.PackSize(known[packId])}");
                result.PacksReindexed.Add(packId);
            }
        }
        foreach (var packId in known.Keys.Where(p => !present.Contains(p)).Order())
        {
            onMessage?.Invoke($"removing not found pack file {packId}");
            result.PacksRemoved.Add(packId);
        }

        var read = new System.Collections.Concurrent.ConcurrentDictionary<Id, List<PackedBlob>>();
        await Parallel.ForEachAsync(toRead,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, repository.Options.Connections), CancellationToken = cancellationToken },
            async (pack, ct) =>
            {
                try
                {
                    read[pack.Key] = await repository.ReadPackHeaderAsync(pack.Key, pack.Value, ct).ConfigureAwait(false);
                }
                catch (RepositoryException e)
                {
                    lock (result) result.PacksSkipped.Add(pack.Key);
                    onMessage?.Invoke($"skipping incomplete pack file {pack.Key}: {e.Message}");
                }
            }).ConfigureAwait(false);
        result.PacksRead = read.Count;
        result.PacksSkipped.Sort();
        foreach (var (packId, blobs) in read) kept[packId] = blobs;

        // New index first: every pack that exists and verifies, split as restic splits full indexes.
        int limit = repository.Version >= 2 ? IndexBlobsV2 : IndexBlobsV1;
        var current = new IndexFile();
        current.Supersedes.AddRange(oldIndexFiles);
        foreach (var (packId, blobs) in kept.OrderBy(p => p.Key))
        {
            current.Packs.Add((packId, blobs.OrderBy(b => b.Offset).ToList()));
            if (current.BlobCount >= limit)
            {
                result.IndexFilesWritten.Add(await repository.SaveUnpackedAsync(FileType.Index, current.ToJson(), cancellationToken).ConfigureAwait(false));
                current = new IndexFile();
                current.Supersedes.AddRange(oldIndexFiles);
            }
        }
        if (current.Packs.Count > 0)
            result.IndexFilesWritten.Add(await repository.SaveUnpackedAsync(FileType.Index, current.ToJson(), cancellationToken).ConfigureAwait(false));

        // Then the old ones (a fresh IV makes every new name differ from the old ones, but never delete what we wrote).
        var written = result.IndexFilesWritten.ToHashSet();
        foreach (var indexId in oldIndexFiles.Where(i => !written.Contains(i)))
        {
            await repository.DeleteFileAsync(FileType.Index, indexId, cancellationToken).ConfigureAwait(false);
            result.IndexFilesRemoved.Add(indexId);
        }
        repository.ReplaceIndex(result.IndexFilesWritten, kept.Select(p => (p.Key, p.Value)));
        return result;
    }
}
