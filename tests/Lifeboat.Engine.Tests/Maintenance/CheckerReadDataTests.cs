using System.Collections.Concurrent;
using System.Security.Cryptography;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>
/// check --read-data reads each pack once, as restic does: one stream of the whole pack, its size from the pack listing
/// (no Stat), its header taken from the bytes the stream brought (no second request); damage is still found.
/// </summary>
public sealed class CheckerReadDataTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Counts the pack requests that reach the storage, by kind.</summary>
    private sealed class PackRequestCounter(IBackend inner) : BackendDecorator(inner)
    {
        public ConcurrentDictionary<string, int> Requests { get; } = new();

        private void Count(FileType type, string what)
        {
            if (type == FileType.Pack) Requests.AddOrUpdate(what, 1, (_, n) => n + 1);
        }

        public int this[string what] => Requests.GetValueOrDefault(what);

        public override Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken)
        {
            Count(type, "stat");
            return base.StatAsync(type, name, cancellationToken);
        }

        public override Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            Count(type, "read");
            return base.ReadAsync(type, name, offset, destination, cancellationToken);
        }

        public override Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken)
        {
            Count(type, "stream");
            return base.OpenReadAsync(type, name, offset, length, cancellationToken);
        }

        public override void Dispose() { }
    }

    /// <summary>A repository of <paramref name="packs"/> packs of a few blobs each, and a counter in front of its storage.</summary>
    private static async Task<(MemoryBackend Storage, PackRequestCounter Counter)> MakeAsync(int packs)
    {
        var storage = new MemoryBackend();
        await using (var repo = await Repo.InitAsync(storage, "pw", 2, new RepositoryOptions { PackSize = 40_000 }, (1024, 8, 1), cancellationToken: Ct))
        {
            for (int i = 0; i < packs * 4; i++)
            {
                var plain = RandomNumberGenerator.GetBytes(9_000 + i * 100);
                await repo.SaveBlobAsync(BlobType.Data, Id.Hash(plain), plain, Ct);
            }
            await repo.FlushAsync(Ct);
        }
        return (storage, new PackRequestCounter(storage));
    }

    private static async Task<(Checker Checker, List<CheckProblem> Problems, int Packs)> ReadDataAsync(PackRequestCounter counter)
    {
        await using var repo = await Repo.OpenAsync(counter, "pw", new RepositoryOptions(), Ct);
        var problems = new List<CheckProblem>();
        var checker = new Checker(repo, problems.Add);
        Assert.True(await checker.LoadIndexAsync(Ct));
        await checker.CheckPacksAsync(Ct);
        counter.Requests.Clear();
        await checker.ReadPacksAsync(checker.IndexedPacks.Keys.ToList(), null, Ct);
        return (checker, problems, checker.IndexedPacks.Count);
    }

    [Fact]
    public async Task Each_listed_pack_is_one_stream_with_no_stat_and_no_header_request()
    {
        var (_, counter) = await MakeAsync(packs: 3);

        var (_, problems, packs) = await ReadDataAsync(counter);

        Assert.Empty(problems);
        Assert.True(packs >= 3, $"{packs} packs");
        Assert.Equal(packs, counter["stream"]);
        Assert.Equal(0, counter["stat"]);
        Assert.Equal(0, counter["read"]);
    }

    [Fact]
    public async Task A_header_damaged_in_storage_is_found_from_the_streamed_bytes()
    {
        var (storage, counter) = await MakeAsync(packs: 2);
        var victim = await FirstPackAsync(storage);
        var bytes = await storage.ReadAllAsync(FileType.Pack, victim, Ct);
        bytes[^10] ^= 0x40; // inside the sealed header
        await storage.SaveAsync(FileType.Pack, victim, bytes, Ct);

        var (_, problems, _) = await ReadDataAsync(counter);

        var messages = problems.Select(p => p.Message).ToList();
        Assert.Contains($"pack {victim}: header: pack {victim} is damaged: its header does not decrypt", messages);
        Assert.Contains(messages, m => m.StartsWith($"pack {victim}: Pack ID does not match", StringComparison.Ordinal));
        Assert.Equal(0, counter["read"]);
    }

    [Fact]
    public async Task A_pack_missing_from_the_listing_is_still_asked_for_and_reported_missing()
    {
        var (storage, counter) = await MakeAsync(packs: 2);
        var victim = await FirstPackAsync(storage);
        await storage.DeleteAsync(FileType.Pack, victim, Ct);

        var (_, problems, _) = await ReadDataAsync(counter);

        Assert.Contains($"pack {victim} does not exist", problems.Select(p => p.Message));
        Assert.Contains($"pack {victim}: the pack file is missing", problems.Select(p => p.Message));
        Assert.Equal(1, counter["stat"]);
    }

    private static async Task<string> FirstPackAsync(MemoryBackend storage)
    {
        await foreach (var f in storage.ListAsync(FileType.Pack, Ct)) return f.Name;
        throw new InvalidOperationException("no pack");
    }
}
