using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Repository;

/// <summary>
/// The merged index every command looks blobs up in: each blob found where its index files say, a blob listed in several
/// packs found in all of them (first listed first), types kept apart, and index files that supersede others still read
/// (restic's readers ignore "supersedes"; only prune and rebuild-index act on it).
/// </summary>
public class MasterIndexTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly Id PackA = Id.Hash("pack a"u8), PackB = Id.Hash("pack b"u8), PackC = Id.Hash("pack c"u8);

    private static Id BlobId(int n) => Id.Hash(BitConverter.GetBytes(n));

    private static PackedBlob Data(int n, uint offset = 0, uint length = 100) => new(BlobId(n), BlobType.Data, offset, length, 0);

    [Fact]
    public void Lookup_FindsEachBlobInItsPack_AndNothingElse()
    {
        var index = new MasterIndex();
        index.AddPack(PackA, [Data(1, 0, 100), Data(2, 100, 50)]);
        index.AddPack(PackB, [new PackedBlob(BlobId(3), BlobType.Tree, 0, 70, 300)]);

        Assert.True(index.TryLookup(BlobType.Data, BlobId(2), out var two));
        Assert.Equal(new BlobLocation(PackA, Data(2, 100, 50)), two);
        Assert.True(index.TryLookup(BlobType.Tree, BlobId(3), out var three));
        Assert.Equal(new BlobLocation(PackB, new PackedBlob(BlobId(3), BlobType.Tree, 0, 70, 300)), three);

        Assert.False(index.TryLookup(BlobType.Data, BlobId(4), out _));
        Assert.False(index.Has(BlobType.Data, BlobId(4)));
        Assert.Empty(index.LookupAll(BlobType.Data, BlobId(4)));
        Assert.Equal(-1, index.Find(BlobType.Data, BlobId(4)));
        Assert.Equal((3, 2), (index.Count, index.PackCount));
        Assert.Equal([PackA, PackB], index.Packs);
    }

    [Fact]
    public void Types_AreKeptApart_TheSameIdAsDataAndAsTree()
    {
        var index = new MasterIndex();
        index.AddPack(PackA, [Data(1)]);
        Assert.False(index.Has(BlobType.Tree, BlobId(1)));
        index.AddPack(PackB, [new PackedBlob(BlobId(1), BlobType.Tree, 0, 90, 0)]);

        Assert.Equal(PackA, Assert.Single(index.LookupAll(BlobType.Data, BlobId(1))).PackId);
        Assert.Equal(PackB, Assert.Single(index.LookupAll(BlobType.Tree, BlobId(1))).PackId);
        Assert.Equal([PackA], index.PacksWith(BlobType.Data));
        Assert.Equal([PackB], index.PacksWith(BlobType.Tree));
    }

    [Fact]
    public void ABlobInSeveralPacks_IsFoundInAll_FirstListedFirst()
    {
        var index = new MasterIndex();
        index.AddPack(PackB, [Data(1, 500, 100)]);
        index.AddPack(PackA, [Data(2), Data(1, 100, 100)]);
        index.AddPack(PackC, [Data(1, 0, 100)]);

        Assert.Equal([PackB, PackA, PackC], index.LookupAll(BlobType.Data, BlobId(1)).Select(l => l.PackId));
        Assert.Equal([500u, 100u, 0u], index.LookupAll(BlobType.Data, BlobId(1)).Select(l => l.Blob.Offset));
        Assert.True(index.TryLookup(BlobType.Data, BlobId(1), out var first));
        Assert.Equal(PackB, first.PackId);
        // Find names the first entry, the one BlobAt returns.
        Assert.Equal(0, index.Find(BlobType.Data, BlobId(1)));
        Assert.Equal(Data(1, 500, 100), index.BlobAt(index.Find(BlobType.Data, BlobId(1))));
        Assert.Equal(4, index.Count);
    }

    [Fact]
    public void ThePackListedAgain_AddsNothing()
    {
        // The same pack in two index files (restic's check: "contained in several indexes") is one set of entries.
        var index = new MasterIndex();
        index.AddPack(PackA, [Data(1), Data(2, 100)]);
        index.AddPack(PackA, [Data(1), Data(2, 100), Data(3, 200)]);

        Assert.Equal(3, index.Count);
        Assert.Equal(1, index.PackCount);
        Assert.Single(index.LookupAll(BlobType.Data, BlobId(1)));
        Assert.Equal([(PackA, Data(1)), (PackA, Data(2, 100)), (PackA, Data(3, 200))], index.All());
    }

    [Fact]
    public void BlobAt_OutsideTheEntries_Throws()
    {
        var index = new MasterIndex();
        index.AddPack(PackA, [Data(1)]);
        Assert.Throws<ArgumentOutOfRangeException>(() => index.BlobAt(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.BlobAt(-1));
    }

    [Fact]
    public void ManyBlobs_AcrossPagesAndRehashes_AreAllFound()
    {
        // More than two pages of 8192 entries and many doublings of the table.
        const int Blobs = 20_000;
        var index = new MasterIndex();
        for (int p = 0; p < Blobs / 100; p++)
            index.AddPack(Id.Hash(BitConverter.GetBytes(-p - 1)), Enumerable.Range(p * 100, 100).Select(n => Data(n, (uint)(n % 100) * 100)));

        Assert.Equal(Blobs, index.Count);
        var misplaced = Enumerable.Range(0, Blobs).Where(n => index.Find(BlobType.Data, BlobId(n)) != n || index.BlobAt(n) != Data(n, (uint)(n % 100) * 100));
        Assert.Empty(misplaced);
        Assert.True(index.TryLookup(BlobType.Data, BlobId(12_345), out var location));
        Assert.Equal(Id.Hash(BitConverter.GetBytes(-124)), location.PackId);
    }

    [Fact]
    public void IdsThatShareTheirHashBucket_AreAllFound()
    {
        // The table hashes the first bytes of an ID: IDs alike there all probe from one bucket.
        var ids = Enumerable.Range(0, 300).Select(n =>
        {
            var bytes = new byte[32];
            bytes[31] = (byte)n;
            bytes[30] = (byte)(n >> 8);
            return new Id(bytes);
        }).ToList();
        var index = new MasterIndex();
        index.AddPack(PackA, ids.Take(150).Select(id => new PackedBlob(id, BlobType.Data, 0, 40, 0)));
        index.AddPack(PackB, ids.Skip(150).Select(id => new PackedBlob(id, BlobType.Tree, 0, 40, 0)));

        for (int n = 0; n < ids.Count; n++)
        {
            var type = n < 150 ? BlobType.Data : BlobType.Tree;
            Assert.Equal(n, index.Find(type, ids[n]));
            Assert.False(index.Has(type == BlobType.Data ? BlobType.Tree : BlobType.Data, ids[n]));
        }
    }

    [Fact]
    public void Pending_ReservesABlobOnce_UntilItIsIndexed()
    {
        var index = new MasterIndex();
        Assert.True(index.TryAddPending(BlobType.Data, BlobId(1)));
        Assert.False(index.TryAddPending(BlobType.Data, BlobId(1)));
        Assert.True(index.TryAddPending(BlobType.Tree, BlobId(1)));
        Assert.False(index.Has(BlobType.Data, BlobId(1)));

        index.AddPack(PackA, [Data(1), Data(2)]);
        Assert.False(index.TryAddPending(BlobType.Data, BlobId(1)));
        Assert.False(index.TryAddPending(BlobType.Data, BlobId(2)));

        index.Clear();
        Assert.Equal((0, 0), (index.Count, index.PackCount));
        Assert.Empty(index.All());
        Assert.True(index.TryAddPending(BlobType.Data, BlobId(1)));
        Assert.True(index.TryAddPending(BlobType.Tree, BlobId(1)));
    }

    [Fact]
    public async Task ConcurrentAddsAndLookups_LoseNothing()
    {
        var index = new MasterIndex();
        var adders = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int p = 0; p < 50; p++)
                index.AddPack(Id.Hash(BitConverter.GetBytes(t * 1000 + p)), Enumerable.Range((t * 50 + p) * 20, 20).Select(n => Data(n)));
        }, Ct)).ToList();
        var reader = Task.Run(() =>
        {
            while (!adders.All(a => a.IsCompleted))
                for (int n = 0; n < 4000; n += 97)
                    if (index.TryLookup(BlobType.Data, BlobId(n), out var l)) Assert.Equal(BlobId(n), l.Blob.Id);
        }, Ct);
        await Task.WhenAll([.. adders, reader]);

        Assert.Equal(4000, index.Count);
        Assert.Equal(200, index.PackCount);
        for (int n = 0; n < 4000; n++) Assert.True(index.Has(BlobType.Data, BlobId(n)));
    }

    /// <summary>Index files on a memory backend, as prune or a second backup would leave them, loaded by a repository.</summary>
    [Fact]
    public async Task LoadedFromIndexFiles_DuplicatesAreMerged_AndSupersededFilesStillRead()
    {
        var backend = new MemoryBackend();
        Id first, second;
        await using (var writer = await Repo.InitAsync(backend, "pw", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct))
        {
            first = Assert.Single(await writer.SaveIndexFilesAsync([(PackA, [Data(1), Data(2, 100)])], [], Ct));
            // The second file lists pack A again and blob 2 in another pack, and claims to supersede the first.
            second = Assert.Single(await writer.SaveIndexFilesAsync([(PackA, [Data(1), Data(2, 100)]), (PackB, [Data(2, 0, 100), Data(3, 100)])], [first], Ct));
        }

        await using var repo = await Repo.OpenAsync(backend, "pw", new RepositoryOptions(), Ct);
        await repo.LoadIndexAsync(Ct);

        Assert.Equal(new[] { first, second }.Order(), repo.IndexFiles.Order());
        Assert.Equal(2, repo.Index.PackCount);
        Assert.Equal(4, repo.Index.Count);
        Assert.Equal(new HashSet<Id> { PackA, PackB }, repo.Index.LookupAll(BlobType.Data, BlobId(2)).Select(l => l.PackId).ToHashSet());
        Assert.True(repo.Index.TryLookup(BlobType.Data, BlobId(3), out var three));
        Assert.Equal(new BlobLocation(PackB, Data(3, 100)), three);

        var superseding = await repo.LoadIndexFileAsync(second, json => IndexFile.Parse(json, second.ToString()), Ct);
        Assert.Equal([first], superseding.Supersedes);
    }
}
