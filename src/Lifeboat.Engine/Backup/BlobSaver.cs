using System.Diagnostics;
using System.Security.Cryptography;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// Saves the blobs of one run: hashes a chunk, skips what the index (or this run) already holds and hands the rest to
/// the repository's packer (which compresses and encrypts). A dry run only asks the index.
/// </summary>
internal sealed class BlobSaver(BackupRun run)
{
    private readonly Repository.Repository _repository = run.Repository;
    private readonly BackupStatistics _statistics = run.Statistics;
    private readonly bool _dryRun = run.Options.DryRun;
    private readonly CancellationToken _cancellation = run.Cancellation;

    /// <summary>Saves a data chunk, <paramref name="buffer"/>[0..<paramref name="length"/>); its ID.</summary>
    public async Task<Id> SaveDataAsync(byte[] buffer, int length)
    {
        long th = Stopwatch.GetTimestamp();
        var id = new Id(SHA256.HashData(buffer.AsSpan(0, length)));
        long ts = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _statistics.HashTicks, ts - th);
        bool added = _dryRun
            ? !_repository.Index.Has(BlobType.Data, id)
            : await _repository.SaveBlobAsync(BlobType.Data, id, buffer.AsMemory(0, length), _cancellation).ConfigureAwait(false);
        Interlocked.Add(ref _statistics.StoreTicks, Stopwatch.GetTimestamp() - ts);
        if (added)
        {
            Interlocked.Increment(ref _statistics.DataBlobs);
            Interlocked.Add(ref _statistics.DataAdded, length);
        }
        return id;
    }

    /// <summary>Saves a tree blob whose ID (the hash of <paramref name="json"/>) the caller has; true when it was new.</summary>
    public async Task<bool> SaveTreeAsync(Id id, byte[] json)
    {
        bool added = _dryRun
            ? !_repository.Index.Has(BlobType.Tree, id)
            : await _repository.SaveBlobAsync(BlobType.Tree, id, json, _cancellation).ConfigureAwait(false);
        if (added)
        {
            Interlocked.Increment(ref _statistics.TreeBlobs);
            Interlocked.Add(ref _statistics.DataAdded, json.Length);
        }
        return added;
    }
}
