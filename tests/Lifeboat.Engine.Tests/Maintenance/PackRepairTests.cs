using System.Security.Cryptography;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>repair packs: what still verifies in a damaged pack moves to new packs, the rest is reported lost.</summary>
public sealed class PackRepairTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One pack of three data blobs, returned with their plaintexts.</summary>
    private static async Task<(MemoryBackend Storage, string Pack, List<byte[]> Blobs)> MakeAsync()
    {
        var storage = new MemoryBackend();
        var blobs = new List<byte[]>();
        await using (var repo = await Repo.InitAsync(storage, "pw", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct))
        {
            for (int i = 0; i < 3; i++)
            {
                var plain = RandomNumberGenerator.GetBytes(5_000);
                blobs.Add(plain);
                await repo.SaveBlobAsync(BlobType.Data, Id.Hash(plain), plain, Ct);
            }
            await repo.FlushAsync(Ct);
        }
        string pack = "";
        await foreach (var f in storage.ListAsync(FileType.Pack, Ct)) pack = f.Name;
        return (storage, pack, blobs);
    }

    private static async Task<List<CheckProblem>> CheckAsync(MemoryBackend storage)
    {
        await using var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct);
        var checker = new Checker(repo);
        Assert.True(await checker.LoadIndexAsync(Ct));
        await checker.CheckPacksAsync(Ct);
        await checker.ReadPacksAsync(checker.IndexedPacks.Keys.ToList(), null, Ct);
        return [.. checker.Problems];
    }

    [Fact]
    public async Task ABlobThatNoLongerVerifies_IsLost_TheOthersMoveToANewPack_AndTheDamagedPackGoes()
    {
        var (storage, pack, blobs) = await MakeAsync();
        await using (var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct))
        {
            await repo.LoadIndexAsync(Ct);
            var damagedBlob = Id.Hash(blobs[1]);
            Assert.True(repo.Index.TryLookup(BlobType.Data, damagedBlob, out var location));
            var bytes = await storage.ReadAllAsync(FileType.Pack, pack, Ct);
            bytes[location.Blob.Offset + 20] ^= 0x55;
            bytes[^10] ^= 0x40; // the header too: the index's entries are all there is
            await storage.SaveAsync(FileType.Pack, pack, bytes, Ct);
            var warnings = new List<string>();

            var result = await new PackRepair(repo, _ => { }, warnings.Add).RunAsync([Id.Parse(pack)], Ct);

            Assert.Equal(2, result.BlobsSalvaged);
            Assert.Equal([(BlobType.Data, damagedBlob)], result.BlobsLost);
            Assert.Equal([Id.Parse(pack)], result.PacksRemoved);
            Assert.Single(warnings, w => w.StartsWith($"failed to load blob {damagedBlob}", StringComparison.Ordinal));
            Assert.False(repo.Index.Has(BlobType.Data, damagedBlob));
        }

        Assert.Empty(await CheckAsync(storage));
        await using var reopened = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct);
        await reopened.LoadIndexAsync(Ct);
        Assert.Equal(blobs[0], await reopened.LoadBlobAsync(BlobType.Data, Id.Hash(blobs[0]), Ct));
        Assert.Equal(blobs[2], await reopened.LoadBlobAsync(BlobType.Data, Id.Hash(blobs[2]), Ct));
        Assert.False(reopened.Index.Has(BlobType.Data, Id.Hash(blobs[1])));
    }

    [Fact]
    public async Task APackNoIndexLists_IsSalvagedThroughItsHeader()
    {
        var (storage, pack, blobs) = await MakeAsync();
        foreach (var f in await storage.ListAsync(FileType.Index, Ct).ToListAsync(Ct)) await storage.DeleteAsync(FileType.Index, f.Name, Ct);
        await using (var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct))
        {
            await repo.LoadIndexAsync(Ct);
            var result = await new PackRepair(repo, _ => { }, _ => { }).RunAsync([Id.Parse(pack)], Ct);
            Assert.Equal(3, result.BlobsSalvaged);
            Assert.Empty(result.BlobsLost);
        }

        Assert.Empty(await CheckAsync(storage));
        await using var reopened = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct);
        await reopened.LoadIndexAsync(Ct);
        foreach (var plain in blobs) Assert.Equal(plain, await reopened.LoadBlobAsync(BlobType.Data, Id.Hash(plain), Ct));
    }

    [Fact]
    public async Task ATruncatedPack_GivesUpWhatItStillHolds_AsRestic017Does()
    {
        var (storage, pack, blobs) = await MakeAsync();
        var bytes = await storage.ReadAllAsync(FileType.Pack, pack, Ct);
        await storage.SaveAsync(FileType.Pack, pack, bytes.AsSpan(0, 7_000).ToArray(), Ct); // the first blob and part of the second
        await using (var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct))
        {
            await repo.LoadIndexAsync(Ct);
            var warnings = new List<string>();
            var result = await new PackRepair(repo, _ => { }, warnings.Add).RunAsync([Id.Parse(pack)], Ct);
            Assert.Equal(1, result.BlobsSalvaged);
            Assert.Equal(2, result.BlobsLost.Count);
            Assert.Equal(2, warnings.Count);
        }

        Assert.Empty(await CheckAsync(storage));
        await using var reopened = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct);
        await reopened.LoadIndexAsync(Ct);
        var kept = blobs.Where(b => reopened.Index.Has(BlobType.Data, Id.Hash(b))).ToList();
        Assert.Equal(blobs[0], Assert.Single(kept));
    }

    /// <summary>Replaces every index file by one listing the same packs with <paramref name="change"/> applied to each blob.</summary>
    internal static async Task RewriteIndexAsync(MemoryBackend storage, Func<PackedBlob, PackedBlob> change)
    {
        await using var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct);
        await repo.LoadIndexAsync(Ct);
        var packs = repo.Index.All().GroupBy(e => e.PackId).Select(g => (g.Key, g.Select(e => change(e.Blob)).ToList())).ToList();
        var old = repo.IndexFiles.ToList();
        await repo.SaveIndexFilesAsync(packs, old, Ct);
        foreach (var id in old) await storage.DeleteAsync(FileType.Index, id.ToString(), Ct);
    }

    [Fact]
    public async Task AnIndexEntryReachingFarPastItsPack_IsLostWithoutAHugeAllocation_AndTheRestIsSalvaged()
    {
        var (storage, pack, blobs) = await MakeAsync();
        var bytes = await storage.ReadAllAsync(FileType.Pack, pack, Ct);
        bytes[^10] ^= 0x40; // a damaged header: the index's entries are all there is
        await storage.SaveAsync(FileType.Pack, pack, bytes, Ct);
        var crafted = Id.Hash(blobs[1]);
        // almost 2 GiB at 1.75 GiB, far past the pack: the entry a damaged or hostile index may hold
        await RewriteIndexAsync(storage, b => b.Id == crafted ? b with { Offset = 0x7000_0000, Length = 0x7FF0_0000 } : b);
        await using (var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct))
        {
            await repo.LoadIndexAsync(Ct);
            var warnings = new List<string>();

            var result = await new PackRepair(repo, _ => { }, warnings.Add).RunAsync([Id.Parse(pack)], Ct);

            Assert.Equal(2, result.BlobsSalvaged);
            Assert.Equal([(BlobType.Data, crafted)], result.BlobsLost);
            var warning = Assert.Single(warnings);
            Assert.StartsWith($"failed to load blob {crafted}: pack {pack}", warning, StringComparison.Ordinal);
            Assert.Contains("run repair index", warning, StringComparison.Ordinal);
        }
        Assert.Empty(await CheckAsync(storage));
        await using var reopened = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct);
        await reopened.LoadIndexAsync(Ct);
        Assert.Equal(blobs[0], await reopened.LoadBlobAsync(BlobType.Data, Id.Hash(blobs[0]), Ct));
        Assert.Equal(blobs[2], await reopened.LoadBlobAsync(BlobType.Data, Id.Hash(blobs[2]), Ct));
    }

    /// <summary>Pack reads that touch [<paramref name="from"/>, <paramref name="to"/>) fail, as over a bad sector.</summary>
    private sealed class BadSector(IBackend inner, long from, long to) : BackendDecorator(inner)
    {
        public override Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
            type == FileType.Pack && offset < to && offset + destination.Length > from
                ? throw new IOException("Input/output error")
                : base.ReadAsync(type, name, offset, destination, cancellationToken);
    }

    [Fact]
    public async Task AnUnreadableStretchOfAPack_CostsOnlyTheBlobsInIt()
    {
        var (storage, pack, blobs) = await MakeAsync();
        var lost = Id.Hash(blobs[1]);
        BlobLocation location;
        await using (var repo = await Repo.OpenAsync(storage, "pw", new RepositoryOptions(), Ct))
        {
            await repo.LoadIndexAsync(Ct);
            Assert.True(repo.Index.TryLookup(BlobType.Data, lost, out location));
        }
        await using (var repo = await Repo.OpenAsync(new BadSector(storage, location.Blob.Offset + 100, location.Blob.Offset + 200), "pw", new RepositoryOptions(), Ct))
        {
            await repo.LoadIndexAsync(Ct);
            var warnings = new List<string>();
            var result = await new PackRepair(repo, _ => { }, warnings.Add).RunAsync([Id.Parse(pack)], Ct);
            Assert.Equal(2, result.BlobsSalvaged);
            Assert.Equal([(BlobType.Data, lost)], result.BlobsLost);
            Assert.Contains("Input/output error", Assert.Single(warnings), StringComparison.Ordinal);
        }
        Assert.Empty(await CheckAsync(storage));
    }
}
