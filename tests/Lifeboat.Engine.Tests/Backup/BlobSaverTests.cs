using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>The blob saver: a chunk is stored once, whether the repository held it before the run or the run met it twice.</summary>
public sealed class BlobSaverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Chunk(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public async Task ChunkMetTwiceInARun_IsStoredOnce()
    {
        await using var repo = await StageRepository.CreateAsync();
        var run = repo.NewRun();
        var saver = new BlobSaver(run);
        var chunk = Chunk(10_000, 1);

        var first = await saver.SaveDataAsync(chunk, chunk.Length);
        var second = await saver.SaveDataAsync([.. chunk], chunk.Length);
        await repo.Repository.FlushAsync(Ct);

        Assert.Equal(Id.Hash(chunk), first);
        Assert.Equal(first, second);
        Assert.Equal((1, 10_000), (run.Statistics.DataBlobs, run.Statistics.DataAdded));
        Assert.Equal(chunk, await repo.Repository.LoadBlobAsync(BlobType.Data, first, Ct));
    }

    [Fact]
    public async Task ChunkInTheIndex_IsNotStoredAgain()
    {
        await using var repo = await StageRepository.CreateAsync();
        var chunk = Chunk(5_000, 2);
        var earlier = await repo.SaveEarlierBlobAsync(chunk);

        var run = repo.NewRun();
        var id = await new BlobSaver(run).SaveDataAsync(chunk, chunk.Length);

        Assert.Equal(earlier, id);
        Assert.Equal((0, 0), (run.Statistics.DataBlobs, run.Statistics.DataAdded));
    }

    /// <summary>Pooled buffers are larger than the chunk: only its own bytes make the blob.</summary>
    [Fact]
    public async Task OnlyTheChunksLength_OfTheBuffer_IsSaved()
    {
        await using var repo = await StageRepository.CreateAsync();
        var buffer = Chunk(8_000, 3);

        var id = await new BlobSaver(repo.NewRun()).SaveDataAsync(buffer, 3_000);
        await repo.Repository.FlushAsync(Ct);

        Assert.Equal(Id.Hash(buffer.AsSpan(0, 3_000)), id);
        Assert.Equal(buffer[..3_000], await repo.Repository.LoadBlobAsync(BlobType.Data, id, Ct));
    }

    [Fact]
    public async Task DryRun_CountsNewChunks_ButStoresNothing()
    {
        await using var repo = await StageRepository.CreateAsync();
        var known = Chunk(1_000, 4);
        await repo.SaveEarlierBlobAsync(known);
        var fresh = Chunk(2_000, 5);

        var run = repo.NewRun(dryRun: true);
        var saver = new BlobSaver(run);
        await saver.SaveDataAsync(known, known.Length);
        var id = await saver.SaveDataAsync(fresh, fresh.Length);
        await repo.Repository.FlushAsync(Ct);

        Assert.Equal((1, 2_000), (run.Statistics.DataBlobs, run.Statistics.DataAdded));
        Assert.False(repo.Repository.Index.Has(BlobType.Data, id));
    }
}
