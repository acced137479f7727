using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>An in-place restore over an app path with another file system mounted inside it (a real tmpfs).</summary>
public sealed class StackRestoreMountTests : IDisposable
{
    private const string Password = "stack test password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();
    private readonly List<string> _mounts = [];

    private void Mount(string path)
    {
        if (Posix.GetUid() != 0) Assert.Skip("mounting a tmpfs needs root");
        var r = ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", "size=4m", "lifeboat-test", path]);
        if (!r.Succeeded) Assert.Skip($"cannot mount a tmpfs here: {r.Stderr.Trim()}");
        _mounts.Add(path);
    }

    private async Task<(Repository Repo, StackConfig Config)> BackedUpAsync(AppConfig app)
    {
        var config = new StackConfig { File = "lifeboat.yaml", Repository = _temp.Combine("repo"), Host = "test-host", Apps = [app] };
        var repo = await Repository.InitAsync(new LocalBackend(_temp.Combine("repo")), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        await repo.LoadIndexAsync(Ct);
        var backup = await new StackBackup(repo, config, () => new FakeContainerControl()).RunAsync([app], [], Ct);
        Assert.False(backup[0].Failed, backup[0].Error);
        return (repo, config);
    }

    [Fact]
    public async Task Files_the_snapshot_has_inside_a_nested_mount_are_refused_before_anything_changes()
    {
        var path = _temp.Combine("apps/plex");
        Directory.CreateDirectory(Path.Combine(path, "cache"));
        File.WriteAllText(Path.Combine(path, "top.conf"), "v1");
        File.WriteAllText(Path.Combine(path, "cache/thumb.bin"), "thumb");
        var app = new AppConfig { Name = "plex", Paths = [path] };
        var (repo, config) = await BackedUpAsync(app);
        await using var _ = repo;

        // since the backup, a file system was mounted over cache/ (and the live config changed)
        Mount(Path.Combine(path, "cache"));
        File.WriteAllText(Path.Combine(path, "cache/live.bin"), "on the tmpfs");
        File.WriteAllText(Path.Combine(path, "top.conf"), "v2");

        var snapshot = await StackRestore.ChooseSnapshotAsync(repo, app, null, null, null, Ct);
        foreach (var delete in new[] { false, true })
        {
            var error = await Assert.ThrowsAsync<StackException>(() => new StackRestore(repo, config, () => new FakeContainerControl()).RestoreInPlaceAsync(app, snapshot, [], delete, Ct));
            Assert.Contains($"{Path.Combine(path, "cache")} is a mount point (another file system) inside {path}", error.Message);
            Assert.Contains("nothing was changed", error.Message);
            Assert.DoesNotContain('\n', error.Message);
            Assert.Equal("v2", File.ReadAllText(Path.Combine(path, "top.conf")));
            Assert.Equal("on the tmpfs", File.ReadAllText(Path.Combine(path, "cache/live.bin")));
            Assert.False(File.Exists(Path.Combine(path, "cache/thumb.bin")));
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_temp.Combine("apps")), p => Path.GetFileName(p).StartsWith(".lifeboat-", StringComparison.Ordinal));
        }

        // a path outside the mount is still restored
        var partial = await new StackRestore(repo, config, () => new FakeContainerControl()).RestoreInPlaceAsync(app, snapshot, [Path.Combine(path, "top.conf")], delete: false, Ct);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(path, "top.conf")));
        Assert.Equal(1, partial.Items);
    }

    [Fact]
    public async Task An_excluded_mount_inside_the_app_path_is_no_obstacle_even_with_delete()
    {
        var path = _temp.Combine("apps/plex");
        Directory.CreateDirectory(Path.Combine(path, "transcode"));
        File.WriteAllText(Path.Combine(path, "top.conf"), "v1");
        var app = new AppConfig { Name = "plex", Paths = [path], Exclude = ["transcode"] };
        Mount(Path.Combine(path, "transcode"));
        File.WriteAllText(Path.Combine(path, "transcode/segment.ts"), "live");
        var (repo, config) = await BackedUpAsync(app);
        await using var _ = repo;
        File.WriteAllText(Path.Combine(path, "top.conf"), "v2");
        File.WriteAllText(Path.Combine(path, "added.conf"), "added");

        var snapshot = await StackRestore.ChooseSnapshotAsync(repo, app, null, null, null, Ct);
        var result = await new StackRestore(repo, config, () => new FakeContainerControl()).RestoreInPlaceAsync(app, snapshot, [], delete: true, Ct);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(path, "top.conf")));
        Assert.False(File.Exists(Path.Combine(path, "added.conf")));
        Assert.Equal(1, result.Removed);
        Assert.Equal("live", File.ReadAllText(Path.Combine(path, "transcode/segment.ts")));
    }

    public void Dispose()
    {
        foreach (var mount in Enumerable.Reverse(_mounts)) ProcessRunner.Run("umount", [mount]);
        _temp.Dispose();
    }
}
