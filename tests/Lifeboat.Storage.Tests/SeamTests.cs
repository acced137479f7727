using Lifeboat.Engine;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>What the repository does on top of the seam: packs saved by the uploaders, and a lost lock stopping the work.</summary>
public sealed class SeamTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string MakeTree(int files, int size)
    {
        var root = _dir.Combine("data");
        Directory.CreateDirectory(root);
        var random = new Random(42);
        for (int i = 0; i < files; i++)
        {
            var bytes = new byte[size];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(root, $"file{i:D3}"), bytes);
        }
        return root;
    }

    private static async Task<Repository> InitAsync(IBackend backend, RepositoryOptions? options = null) =>
        await Repository.InitAsync(backend, "secret", 2, options ?? new RepositoryOptions { PackSize = RepositoryOptions.MinPackSize }, (1024, 8, 1), cancellationToken: Ct);

    [Fact]
    public async Task A_backup_through_the_uploaders_saves_every_pack_and_reads_back()
    {
        var memory = new MemoryBackend { Connections = 3 };
        var root = MakeTree(40, 512 * 1024);
        Id snapshotId;
        await using (var repo = await InitAsync(memory))
        {
            var result = await new Archiver(repo, new BackupOptions { Paths = [root], Hostname = "h" }).RunAsync(Ct);
            snapshotId = result.SnapshotId!.Value;
        }
        int packs = 0;
        await foreach (var _ in memory.ListAsync(FileType.Pack, Ct)) packs++;
        Assert.True(packs >= 4, $"{packs} packs");

        await using var reopened = await Repository.OpenAsync(memory, "secret", new RepositoryOptions(), Ct);
        await reopened.LoadIndexAsync(Ct);
        foreach (var file in Directory.GetFiles(root).Take(3))
        {
            // every blob the index names is in a saved pack and decrypts
            var bytes = File.ReadAllBytes(file);
            var id = Id.Hash(bytes);
            if (reopened.Index.LookupAll(Engine.Repository.BlobType.Data, id).Count > 0)
                Assert.Equal(bytes, await reopened.LoadBlobAsync(Engine.Repository.BlobType.Data, id, Ct));
        }
        Assert.NotNull(await reopened.LoadSnapshotAsync(snapshotId, Ct));
    }

    [Fact]
    public async Task A_failing_pack_upload_fails_the_backup_and_writes_no_snapshot()
    {
        var memory = new MemoryBackend();
        var faulty = new FaultyBackend(memory);
        var root = MakeTree(30, 512 * 1024);
        await using var repo = await InitAsync(faulty);
        faulty.Fault = (op, type, _) => op == "Save" && type == FileType.Pack ? BackendException.Permanent("disk full on the server") : null;

        var e = await Assert.ThrowsAsync<BackendException>(() => new Archiver(repo, new BackupOptions { Paths = [root], Hostname = "h" }).RunAsync(Ct));
        Assert.Equal("disk full on the server", e.Message);
        int snapshots = 0;
        await foreach (var _ in memory.ListAsync(FileType.Snapshot, Ct)) snapshots++;
        Assert.Equal(0, snapshots);
    }

    [Fact]
    public async Task A_lock_that_can_no_longer_be_refreshed_stops_every_operation()
    {
        var memory = new MemoryBackend();
        var faulty = new FaultyBackend(memory);
        var options = new RepositoryOptions { LockRefreshInterval = TimeSpan.FromMilliseconds(100), LockStaleAfter = TimeSpan.FromMilliseconds(400) };
        await using var repo = await InitAsync(faulty, options);
        await using var held = await RepositoryLock.AcquireAsync(repo, exclusive: false, Ct);

        // the connection to the repository goes away for lock writes: refreshes fail until the deadline passes
        faulty.Fault = (op, type, _) => op == "Save" && type == FileType.Lock ? BackendException.Transient("connection refused") : null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        RepositoryException? stopped = null;
        while (DateTime.UtcNow < deadline && stopped is null)
        {
            try
            {
                await repo.ListIdsAsync(FileType.Snapshot, Ct);
                await Task.Delay(20, Ct);
            }
            catch (RepositoryException e) { stopped = e; }
        }
        Assert.NotNull(stopped);
        Assert.Contains("the repository lock could not be refreshed", stopped!.Message);
        Assert.Contains("connection refused", stopped.Message);
        // and it stays stopped
        await Assert.ThrowsAsync<RepositoryException>(() => repo.SaveUnpackedAsync(FileType.Snapshot, new byte[] { (byte)'{', (byte)'}' }, Ct));
    }

    [Fact]
    public async Task A_lock_whose_refresh_fails_once_keeps_the_operation_going()
    {
        var memory = new MemoryBackend();
        var faulty = new FaultyBackend(memory);
        var options = new RepositoryOptions { LockRefreshInterval = TimeSpan.FromMilliseconds(100), LockStaleAfter = TimeSpan.FromSeconds(2) };
        await using var repo = await InitAsync(faulty, options);
        await using var held = await RepositoryLock.AcquireAsync(repo, exclusive: false, Ct);
        int failures = 1;
        faulty.Fault = (op, type, _) => op == "Save" && type == FileType.Lock && Interlocked.Decrement(ref failures) >= 0 ? BackendException.Transient("timeout") : null;

        await Task.Delay(1500, Ct);
        await repo.ListIdsAsync(FileType.Snapshot, Ct);
        Assert.Single(await repo.ListIdsAsync(FileType.Lock, Ct));
    }

    public void Dispose() => _dir.Dispose();
}
