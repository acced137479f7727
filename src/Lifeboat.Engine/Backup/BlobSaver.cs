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
        int stored = _dryRun
            ? DryRunStored(BlobType.Data, id, length)
            : await _repository.SaveBlobStoredAsync(BlobType.Data, id, buffer.AsMemory(0, length), _cancellation).ConfigureAwait(false);
        Interlocked.Add(ref _statistics.StoreTicks, Stopwatch.GetTimestamp() - ts);
        if (stored > 0)
        {
            Interlocked.Increment(ref _statistics.DataBlobs);
            Interlocked.Add(ref _statistics.DataAdded, length);
            Interlocked.Add(ref _statistics.DataAddedPacked, stored);
        }
        return id;
    }

    /// <summary>Saves a tree blob whose ID (the hash of <paramref name="json"/>) the caller has; true when it was new.</summary>
    public async Task<bool> SaveTreeAsync(Id id, byte[] json)
    {
        int stored = _dryRun
            ? DryRunStored(BlobType.Tree, id, json.Length)
            : await _repository.SaveBlobStoredAsync(BlobType.Tree, id, json, _cancellation).ConfigureAwait(false);
        if (stored > 0)
        {
            Interlocked.Increment(ref _statistics.TreeBlobs);
            Interlocked.Add(ref _statistics.DataAdded, json.Length);
            Interlocked.Add(ref _statistics.DataAddedPacked, stored);
        }
        return stored > 0;
    }

    /// <summary>
    /// A dry run's blob: nothing is compressed, so its would-be stored size is its sealed plaintext (an upper bound);
    /// 0 when the index has it.
    /// </summary>
    private int DryRunStored(BlobType type, Id id, int length) =>
        _repository.Index.Has(type, id) ? 0 : length + Crypto.CryptoKey.Overhead;
}
