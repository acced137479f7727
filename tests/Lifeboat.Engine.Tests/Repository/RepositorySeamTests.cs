using System.Reflection;
using System.Security.Cryptography;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests;

/// <summary>
/// The repository is the seam between everything above it and the storage: what it offers for files and packs reads the
/// same bytes the storage holds, and the index changes only through it.
/// </summary>
public class RepositorySeamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A repository on a memory backend with one pack per blob (a pack size of 1 byte closes every pack at once).</summary>
    private static async Task<(MemoryBackend Backend, Repo Repo, List<(Id Id, byte[] Plain)> Blobs)> MakeAsync(int blobs)
    {
        var backend = new MemoryBackend();
        var repo = await Repo.InitAsync(backend, "pw", 2, new RepositoryOptions { PackSize = 1 }, (1024, 8, 1), cancellationToken: Ct);
        var saved = new List<(Id, byte[])>();
        for (int i = 0; i < blobs; i++)
        {
            var plain = RandomNumberGenerator.GetBytes(1000 + i * 300);
            var id = Id.Hash(plain);
            Assert.True(await repo.SaveBlobAsync(BlobType.Data, id, plain, Ct));
            saved.Add((id, plain));
        }
        await repo.FlushAsync(Ct);
        return (backend, repo, saved);
    }

    [Fact]
    public void PublicSurface_OffersNoStorageAndNoWayToChangeTheIndex()
    {
        const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static;
        static bool IsStorage(Type t) => typeof(IBackend).IsAssignableFrom(t);
        foreach (var p in typeof(Repo).GetProperties(Public))
        {
            Assert.False(IsStorage(p.PropertyType), $"Repository.{p.Name} hands out the storage");
            Assert.False(p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>), $"Repository.{p.Name} is a mutable list");
        }
        foreach (var m in typeof(Repo).GetMethods(Public))
            Assert.False(IsStorage(m.ReturnType), $"Repository.{m.Name} hands out the storage");
        // Every public member of the master index answers a question: a mutator (AddPack, Clear, ...) returns nothing.
        var mutators = typeof(MasterIndex).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.ReturnType == typeof(void) && !m.IsSpecialName).Select(m => m.Name).ToList();
        Assert.Empty(mutators);
    }

    [Fact]
    public async Task PackMembers_ReadWhatTheStorageHolds()
    {
        var (backend, repo, blobs) = await MakeAsync(3);
        await using var _ = repo;
        var packs = new List<BackendFile>();
        await foreach (var f in repo.ListFilesAsync(FileType.Pack, Ct)) packs.Add(f);
        Assert.Equal(3, packs.Count);
        foreach (var (blobId, plain) in blobs)
        {
            Assert.True(repo.Index.TryLookup(BlobType.Data, blobId, out var location));
            var file = Assert.Single(packs, p => p.Name == location.PackId.ToString());
            Assert.Equal(file.Size, await repo.StatPackAsync(location.PackId, Ct));
            Assert.Equal(file.Size, await backend.StatAsync(FileType.Pack, file.Name, Ct));

            var header = await repo.ReadPackHeaderAsync(location.PackId, file.Size, Ct);
            Assert.Equal(location.Blob, Assert.Single(header));

            var raw = await repo.ReadRawFileAsync(FileType.Pack, file.Name, Ct);
            Assert.Equal(await backend.ReadAllAsync(FileType.Pack, file.Name, Ct), raw);
            Assert.Equal(location.PackId, Id.Hash(raw));

            using (var stream = repo.OpenPackStream(location.PackId, file.Size))
            {
                await stream.SkipToAsync(location.Blob.Offset, Ct);
                var stored = await stream.TakeAsync((int)location.Blob.Length, Ct);
                Assert.Equal(raw.AsSpan((int)location.Blob.Offset, (int)location.Blob.Length).ToArray(), stored.ToArray());
                await stream.SkipToAsync(file.Size, Ct);
                Assert.Equal(location.PackId, stream.GetHash());
            }

            var range = new byte[location.Blob.Length];
            await repo.ReadPackAsync(location.PackId, location.Blob.Offset, range, Ct);
            var decoded = new byte[plain.Length];
            repo.DecodeBlob(location.PackId, location.Blob, range, decoded);
            Assert.Equal(plain, decoded);
        }

        var gone = Id.Parse(packs[0].Name);
        await repo.DeleteFileAsync(FileType.Pack, gone, Ct);
        await Assert.ThrowsAsync<BackendFileNotFoundException>(() => repo.StatPackAsync(gone, Ct));
        var e = await Assert.ThrowsAsync<RepositoryException>(() => repo.ReadPackHeaderAsync(gone, packs[0].Size, Ct));
        Assert.Equal($"pack {gone} is missing", e.Message);
        await Assert.ThrowsAsync<BackendFileNotFoundException>(() => repo.ReadPackAsync(gone, 0, new byte[10], Ct));
    }

    [Fact]
    public async Task IndexFiles_IsACopy_AndReplaceIndexTakesThePlaceOfTheLoadedOne()
    {
        var (backend, writer, blobs) = await MakeAsync(3);
        await writer.DisposeAsync();
        await using var repo = await Repo.OpenAsync(backend, "pw", new RepositoryOptions(), Ct);
        await repo.LoadIndexAsync(Ct);
        var loaded = repo.IndexFiles;
        var indexFile = Assert.Single(loaded);
        Assert.Equal(3, repo.Index.PackCount);

        Assert.True(repo.Index.TryLookup(BlobType.Data, blobs[0].Id, out var kept));
        var rebuilt = Id.Hash("a rebuilt index"u8);
        repo.ReplaceIndex([rebuilt], [(kept.PackId, [kept.Blob])]);

        Assert.Equal([rebuilt], repo.IndexFiles);
        Assert.Equal([indexFile], loaded); // the earlier copy did not change
        Assert.Equal(1, repo.Index.PackCount);
        Assert.Equal(1, repo.Index.Count);
        Assert.True(repo.Index.Has(BlobType.Data, blobs[0].Id));
        Assert.False(repo.Index.Has(BlobType.Data, blobs[1].Id));
        // A blob the index no longer lists is new again to a backup.
        Assert.True(await repo.SaveBlobAsync(BlobType.Data, blobs[1].Id, blobs[1].Plain, Ct));

        repo.ReplaceIndexFiles([indexFile]);
        Assert.Equal([indexFile], repo.IndexFiles);
    }

    [Fact]
    public async Task AddIndexFile_ReportsTheEntriesEachPackAdded()
    {
        var (backend, writer, blobs) = await MakeAsync(3);
        await writer.DisposeAsync();
        await using var repo = await Repo.OpenAsync(backend, "pw", new RepositoryOptions(), Ct);
        var indexId = Assert.Single(await repo.ListIdsAsync(FileType.Index, Ct));
        var file = await repo.LoadIndexFileAsync(indexId, json => IndexFile.Parse(json, indexId.ToString()), Ct);

        var reported = new List<(Id Pack, int First, int Added)>();
        repo.AddIndexFile(indexId, file, (packId, packBlobs, first, added) => reported.Add((packId, first, added)));
        Assert.Equal(file.Packs.Select(p => p.PackId), reported.Select(r => r.Pack));
        Assert.Equal([0, 1, 2], reported.Select(r => r.First));
        Assert.All(reported, r => Assert.Equal(1, r.Added));
        foreach (var (pack, first, _) in reported)
            Assert.Equal(file.Packs.Single(p => p.PackId == pack).Blobs[0], repo.Index.BlobAt(first));
        Assert.Equal([indexId], repo.IndexFiles);
        Assert.All(blobs, b => Assert.True(repo.Index.Has(BlobType.Data, b.Id)));

        // The same file again: its packs are indexed already, so nothing is added.
        repo.AddIndexFile(indexId, file, (_, _, first, added) => Assert.Equal((3, 0), (first, added)));
        Assert.Equal(3, repo.Index.Count);
    }
}
