using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>The in-place restore against a real repository, with a fake Docker and a failure injected part way.</summary>
public sealed class StackRestoreTests : IDisposable
{
    private const string Password = "stack test password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task AFailureWhileMovingIntoPlacePutsEverythingBackAndStartsTheContainers()
    {
        var path = _temp.Combine("apps/plex");
        for (int i = 0; i < 10; i++)
        {
            Directory.CreateDirectory(Path.Combine(path, $"dir{i}"));
            File.WriteAllText(Path.Combine(path, $"dir{i}/file.conf"), $"v1 {i}");
            File.WriteAllText(Path.Combine(path, $"top{i}.conf"), $"v1 {i}");
        }
        var app = new AppConfig { Name = "plex", Paths = [path], Containers = ["plex"], Consistency = ConsistencyMode.None };
        var config = new StackConfig { File = "lifeboat.yaml", Repository = _temp.Combine("repo"), Host = "test-host", Apps = [app] };
        await using var repo = await Repository.InitAsync(new LocalBackend(_temp.Combine("repo")), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        await repo.LoadIndexAsync(Ct);
        var docker = new FakeContainerControl(("plex", true));
        var backup = await new StackBackup(repo, config, () => docker).RunAsync([app], [], Ct);
        Assert.False(backup[0].Failed, backup[0].Error);
        docker.Calls.Clear(); // the backup looked its container up (consistency: none only looks); the restore's calls follow

        for (int i = 0; i < 10; i++)
        {
            File.WriteAllText(Path.Combine(path, $"dir{i}/file.conf"), $"v2 {i}");
            File.WriteAllText(Path.Combine(path, $"top{i}.conf"), $"v2 {i}");
        }
        File.WriteAllText(Path.Combine(path, "added.conf"), "added");
        File.Delete(Path.Combine(path, "dir3/file.conf"));
        var before = _temp.Combine("before");
        TestData.CopyTree(path, before);

        int renames = 0;
        var restore = new StackRestore(repo, config, () => docker)
        {
            BeforeRenameIntoPlace = destination =>
            {
                if (++renames == 12) throw new PosixException(Errno.EPERM, "rename", destination);
            },
        };
        var snapshot = await StackRestore.ChooseSnapshotAsync(repo, app, null, null, null, Ct);
        var error = await Assert.ThrowsAsync<StackException>(() => restore.RestoreInPlaceAsync(app, snapshot, [], delete: true, Ct));
        Assert.Contains("everything was put back as it was", error.Message);
        TreeComparer.AssertSame(before, path, new TreeCompareOptions { CompareRootMetadata = true });
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_temp.Combine("apps")), p => Path.GetFileName(p).StartsWith(".lifeboat-", StringComparison.Ordinal));
        Assert.Equal(["inspect plex", "stop plex", "start plex"], docker.Calls);
        Assert.True(docker.IsRunning("plex"));

        // and without the failure, the snapshot comes back exactly
        var result = await new StackRestore(repo, config, () => docker).RestoreInPlaceAsync(app, snapshot, [], delete: true, Ct);
        Assert.Equal(1, result.Removed);
        for (int i = 0; i < 10; i++) Assert.Equal($"v1 {i}", File.ReadAllText(Path.Combine(path, $"dir{i}/file.conf")));
        Assert.False(File.Exists(Path.Combine(path, "added.conf")));
    }

    public void Dispose() => _temp.Dispose();
}
