using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Maintenance;

/// <summary>What repair packs did: the blobs it saved into new packs, the ones it could not read, the packs it removed.</summary>
public sealed class PackRepairResult
{
    public int BlobsSalvaged { get; set; }
    public List<(BlobType Type, Id Id)> BlobsLost { get; } = [];
    public List<Id> PacksRemoved { get; } = [];
}

/// <summary>
/// restic's repair packs (0.16): every blob of the named packs that still decrypts and hashes to its ID is written into
/// new packs, the index is rewritten without the named packs, and then they are deleted. A pack's blobs are the ones the
/// index lists for it and, where its header still decrypts, the ones the header lists (a pack no index knows is
/// salvaged too). A blob that no longer verifies is lost from this pack; `repair snapshots` then cuts it out of the
/// snapshots that use it unless another pack holds it. The caller holds an exclusive lock and has loaded the index.
/// </summary>
/// <param name="report">The steps, as restic prints them.</param>
/// <param name="warn">What could not be done: a blob that does not load, a pack that cannot be deleted.</param>
public sealed class PackRepair(Repository.Repository repository, Action<string> report, Action<string> warn)
{
    public async Task<PackRepairResult> RunAsync(IReadOnlyCollection<Id> packIds, CancellationToken cancellationToken)
    {
        var result = new PackRepairResult();
        var damaged = packIds.ToHashSet();
        var fromIndex = repository.Index.All().Where(e => damaged.Contains(e.PackId))
            .GroupBy(e => e.PackId).ToDictionary(g => g.Key, g => g.Select(e => e.Blob).ToList());

        report("salvaging intact data from specified pack files");
        var salvaged = new List<(Id PackId, List<PackedBlob> Blobs)>();
        var newIndexFiles = new List<Id>();
        await using (var target = repository.CreateRepackTarget())
        {
            var sources = new List<PackBlobs>();
            foreach (var packId in packIds.Distinct())
            {
                var (size, blobs) = await BlobsOfAsync(packId, fromIndex.GetValueOrDefault(packId) ?? [], cancellationToken).ConfigureAwait(false);
                if (blobs.Count == 0) warn($"no blobs found for pack {packId}");
                sources.Add(new PackBlobs(packId, size, blobs));
            }
            // Each blob that still verifies is copied as it is stored; one whose bytes the pack cannot hold as the index
            // claims them (an offset or length past its end) is lost without a read.
            await repository.ReadVerifiedBlobsAsync(sources, async blob =>
            {
                if (target.Index.Has(blob.Blob.Type, blob.Blob.Id)) return;
                if (blob.Error is { } error)
                {
                    warn($"failed to load blob {blob.Blob.Id}: {error.Message}");
                    result.BlobsLost.Add((blob.Blob.Type, blob.Blob.Id));
                    return;
                }
                await target.SaveVerifiedBlobAsync(blob, cancellationToken).ConfigureAwait(false);
                result.BlobsSalvaged++;
            }, null, cancellationToken).ConfigureAwait(false);
            await target.FlushAsync(cancellationToken).ConfigureAwait(false);
            newIndexFiles.AddRange(target.IndexFiles);
            salvaged.AddRange(target.Index.All().GroupBy(e => e.PackId).Select(g => (g.Key, g.Select(e => e.Blob).OrderBy(b => b.Offset).ToList())));
        }

        // The index without the damaged packs but with the new ones, written before the old index files go.
        report("rebuilding index");
        var supersedes = repository.IndexFiles.Concat(newIndexFiles).Distinct().ToList();
        var packs = Pruner.PacksExcept(repository.Index, damaged.Contains).Concat(salvaged).ToList();
        var written = await repository.SaveIndexFilesAsync(packs, supersedes, cancellationToken).ConfigureAwait(false);
        foreach (var id in supersedes.Where(id => !written.Contains(id)))
            await repository.DeleteFileAsync(FileType.Index, id, cancellationToken).ConfigureAwait(false);
        repository.ReplaceIndex(written, packs);

        // As restic: a damaged pack that cannot be deleted now is no longer indexed, so the next prune removes it.
        report("removing salvaged pack files");
        foreach (var packId in damaged.Order())
        {
            try
            {
                await repository.DeleteFileAsync(FileType.Pack, packId, cancellationToken).ConfigureAwait(false);
                result.PacksRemoved.Add(packId);
            }
            catch (IOException e)
            {
                warn($"removing pack {packId} failed: {e.Message}");
            }
        }
        return result;
    }

    /// <summary>
    /// The pack's size (-1 when it cannot be found: then nothing of it is read) and the index's entries for it with the ones its
    /// header adds where it can be read, by offset.
    /// </summary>
    private async Task<(long Size, List<PackedBlob> Blobs)> BlobsOfAsync(Id packId, List<PackedBlob> indexed, CancellationToken cancellationToken)
    {
        var blobs = new Dictionary<(BlobType, Id, uint), PackedBlob>();
        foreach (var blob in indexed) blobs.TryAdd((blob.Type, blob.Id, blob.Offset), blob);
        long size = -1;
        try
        {
            size = await repository.StatPackAsync(packId, cancellationToken).ConfigureAwait(false);
            foreach (var blob in await repository.ReadPackHeaderAsync(packId, size, cancellationToken).ConfigureAwait(false))
                blobs.TryAdd((blob.Type, blob.Id, blob.Offset), blob);
        }
        catch (Exception e) when (e is RepositoryException or IOException)
        {
            // A damaged or truncated header: the index's entries are all there is to go by.
        }
        return (size, blobs.Values.OrderBy(b => b.Offset).ToList());
    }
}
