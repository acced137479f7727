using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>A fresh repository on a memory backend, and backup runs on it for testing the archiver's stages one by one.</summary>
internal sealed class StageRepository : IAsyncDisposable
{
    private StageRepository(MemoryBackend backend, Repo repository)
    {
        Backend = backend;
        Repository = repository;
    }

    public MemoryBackend Backend { get; }
    public Repo Repository { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<StageRepository> CreateAsync()
    {
        var backend = new MemoryBackend();
        var repository = await Repo.InitAsync(backend, "pw", 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        return new StageRepository(backend, repository);
    }

    /// <summary>The state of a new run, with counters of its own.</summary>
    public BackupRun NewRun(bool dryRun = false, Func<string, string?>? contentSource = null) =>
        new(Repository, new BackupOptions { Paths = ["/"], Hostname = "h", DryRun = dryRun, ContentSource = contentSource }, null,
            new BackupStatistics(), Ct);

    /// <summary>A blob of data saved in the repository (and its index) before the run, as an earlier backup leaves it.</summary>
    public async Task<Id> SaveEarlierBlobAsync(byte[] data)
    {
        var id = Id.Hash(data);
        await Repository.SaveBlobAsync(BlobType.Data, id, data, Ct);
        await Repository.FlushAsync(Ct);
        return id;
    }

    /// <summary>The plaintext of the given data blobs, one after another.</summary>
    public async Task<byte[]> ReadContentAsync(IEnumerable<Id> content)
    {
        var all = new List<byte>();
        foreach (var id in content) all.AddRange(await Repository.LoadBlobAsync(BlobType.Data, id, Ct));
        return [.. all];
    }

    public ValueTask DisposeAsync() => Repository.DisposeAsync();
}
