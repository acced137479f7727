using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Restore;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Restore;

/// <summary>Restoring one node of a snapshot AT a given path, with its own metadata.</summary>
public sealed class RestoreNodeTests : IDisposable
{
    private readonly TempDirectory _target = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _target.Dispose();

    private static Timespec Time(GoTime t) => new(t.UnixSeconds, t.Nanoseconds);

    /// <summary>/srv/{app/{config.yml, data/{db}, current -> data/db}, other}</summary>
    private static async Task<Id> SnapshotAsync(RestoreRepository repo)
    {
        var data = await repo.DirAsync("data", 0x1C0, await repo.TextFileAsync("db", "rows-", "more"));
        var config = await repo.TextFileAsync("config.yml", "port: 80\n");
        config.Mode = 0x180; // 0600
        var app = await repo.DirAsync("app", 0x1E8 /* 0750 */, config, data, RestoreRepository.Symlink("current", "data/db"));
        var srv = await repo.DirAsync("srv", 0x1ED, app, await repo.TextFileAsync("other", "not wanted"));
        var root = await repo.TreeAsync(srv);
        await repo.FlushAsync();
        return root;
    }

    private static List<string> Listing(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(p => p[root.Length..]).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task AFile_LandsAtTheTargetPath_WithItsContentModeAndTimes()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        var path = _target.Path + "/elsewhere/renamed.yml";

        var restorer = new Restorer(repo.Repository, new RestoreOptions());
        await restorer.RestoreNodeAsync(root, "/srv/app/config.yml", path, Ct);

        Assert.Equal(["/elsewhere", "/elsewhere/renamed.yml"], Listing(_target.Path));
        // stat first: reading moves the access time
        var status = Posix.LStat(path);
        Assert.Equal("port: 80\n", File.ReadAllText(path));
        Assert.Equal(0x180u, status.Permissions);
        Assert.Equal(Time(RestoreRepository.ModTime), status.ModTime);
        Assert.Equal(Time(RestoreRepository.AccessTime), status.AccessTime);
        Assert.Equal(1, restorer.Statistics.TotalFiles);
        Assert.Equal(0, restorer.Statistics.Errors);
    }

    [Fact]
    public async Task ADirectory_LandsAtTheTargetPath_WithItsSubtree_AndItsOwnMetadata()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        var path = _target.Path + "/staged";

        await new Restorer(repo.Repository, new RestoreOptions()).RestoreNodeAsync(root, "/srv/app", path, Ct);

        Assert.Equal(["/staged", "/staged/config.yml", "/staged/current", "/staged/data", "/staged/data/db"], Listing(_target.Path));
        Assert.Equal("rows-more", File.ReadAllText(path + "/data/db"));
        var status = Posix.LStat(path);
        Assert.True(status.IsDirectory);
        Assert.Equal(0x1E8u, status.Permissions);
        Assert.Equal(Time(RestoreRepository.ModTime), status.ModTime);
        Assert.Equal(0x1C0u, Posix.LStat(path + "/data").Permissions);
        Assert.Equal(Time(RestoreRepository.ModTime), Posix.LStat(path + "/data").ModTime);
    }

    [Fact]
    public async Task ASymlink_LandsAtTheTargetPath_WithItsTargetAndTimes()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        var path = _target.Path + "/link";

        await new Restorer(repo.Repository, new RestoreOptions()).RestoreNodeAsync(root, "/srv/app/current", path, Ct);

        Assert.Equal(["/link"], Listing(_target.Path));
        var status = Posix.LStat(path);
        Assert.True(status.IsSymlink);
        Assert.Equal("data/db", Posix.ReadLink(path));
        Assert.Equal(Time(RestoreRepository.ModTime), status.ModTime);
    }

    [Fact]
    public async Task Filters_SeeThePathsInTheSnapshot()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        var path = _target.Path + "/staged";

        await new Restorer(repo.Repository, new RestoreOptions { Includes = ["/srv/app/data"] }).RestoreNodeAsync(root, "/srv/app", path, Ct);

        Assert.Equal(["/staged", "/staged/data", "/staged/data/db"], Listing(_target.Path));
        // the node leads to what was selected: it is still restored with its own metadata
        Assert.Equal(0x1E8u, Posix.LStat(path).Permissions);
    }

    [Fact]
    public async Task AFileInTheWay_IsReplaced_AndAnExistingDirectoryIsRestoredInto()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);
        File.WriteAllText(_target.Path + "/config", "old");
        Directory.CreateDirectory(_target.Path + "/app");
        File.WriteAllText(_target.Path + "/app/kept", "mine");
        var restorer = new Restorer(repo.Repository, new RestoreOptions());

        await restorer.RestoreNodeAsync(root, "/srv/app/config.yml", _target.Path + "/config", Ct);
        await restorer.RestoreNodeAsync(root, "srv/app/", _target.Path + "/app", Ct);

        Assert.Equal("port: 80\n", File.ReadAllText(_target.Path + "/config"));
        Assert.Equal("mine", File.ReadAllText(_target.Path + "/app/kept"));
        Assert.Equal("rows-more", File.ReadAllText(_target.Path + "/app/data/db"));
        Assert.Equal(0x1E8u, Posix.LStat(_target.Path + "/app").Permissions);
        Assert.Equal(0, restorer.Statistics.Errors);
    }

    [Fact]
    public async Task ANodeNotInTheSnapshot_IsAnArgumentError_AndNothingIsWritten()
    {
        await using var repo = await RestoreRepository.CreateAsync();
        var root = await SnapshotAsync(repo);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            new Restorer(repo.Repository, new RestoreOptions()).RestoreNodeAsync(root, "/srv/nope", _target.Path + "/x", Ct));

        Assert.Contains("/srv/nope is not in the snapshot", error.Message);
        Assert.Empty(Listing(_target.Path));
    }
}
