using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Storage.Tests.Cache;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// The cache in front of a real remote backend (rest: on rclone serve restic): with a warm cache a no-change backup and a
/// snapshots listing read no pack, index or snapshot file from the server.
/// </summary>
public sealed class RestCacheTests(RcloneServerFixture fixture) : IClassFixture<RcloneServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new("lifeboat-restcache");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_no_change_backup_with_a_warm_cache_downloads_nothing_but_the_config_and_keys()
    {
        if (RcloneServer.UnavailableReason() is { } why) Assert.Skip(why);
        var source = _dir.Combine("data");
        for (int d = 0; d < 20; d++)
        {
            Directory.CreateDirectory(Path.Combine(source, $"dir{d}"));
            for (int f = 0; f < 10; f++) File.WriteAllText(Path.Combine(source, $"dir{d}", $"f{f}.txt"), $"content {d} {f} " + new string('x', 2000 + d * f));
        }
        var location = fixture.Server.RestUrl("cache-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new RepositoryOptions { CacheDirectory = _dir.Combine("cache") };
        using (var backend = BackendFactory.Open(location, new BackendSettings()))
        await using (await Repository.InitAsync(backend, "pw", 2, options, (1024, 8, 1), cancellationToken: Ct)) { }
        // init and the first backup are two commands, as a user runs them
        using (var backend = BackendFactory.Open(location, new BackendSettings()))
        await using (var repo = await Repository.OpenAsync(backend, "pw", options, Ct))
        {
            await repo.LoadIndexAsync(Ct);
            await new Archiver(repo, new BackupOptions { Paths = [source], Hostname = "h" }).RunAsync(Ct);
        }

        // a new process would open the repository afresh: the cache directory is all it shares with the first
        using var counted = new CountingRemoteBackend(BackendFactory.Open(location, new BackendSettings()));
        await using (var repo = await Repository.OpenAsync(counted, "pw", options, Ct))
        {
            Assert.NotNull(repo.LocalCache);
            await repo.LoadIndexAsync(Ct);
            Assert.Single(await repo.ListSnapshotsAsync(Ct));
            var result = await new Archiver(repo, new BackupOptions { Paths = [source], Hostname = "h" }).RunAsync(Ct);
            Assert.Equal(0, result.Statistics.DataBlobs);
        }
        Assert.Equal(0, counted.Reads(FileType.Pack));
        Assert.Equal(0, counted.Reads(FileType.Index));
        Assert.Equal(0, counted.Reads(FileType.Snapshot));
    }

    public void Dispose() => _dir.Dispose();
}
