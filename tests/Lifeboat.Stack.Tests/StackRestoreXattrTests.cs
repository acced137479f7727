using System.Text;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>A directory merged by an in-place restore gets the snapshot's extended attributes, as a renamed file does.</summary>
public sealed class StackRestoreXattrTests : IDisposable
{
    private const string Password = "stack test password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();

    private static void Set(string path, string name, string value) => Posix.SetXattr(path, name, Encoding.UTF8.GetBytes(value));

    private static Dictionary<string, string> UserXattrs(string path) => Posix.ListXattrs(path)
        .Where(n => n.StartsWith("user.", StringComparison.Ordinal))
        .ToDictionary(n => n, n => Encoding.UTF8.GetString(Posix.GetXattr(path, n)!));

    [Fact]
    public async Task Merged_directories_get_the_snapshots_xattrs_and_an_undone_restore_puts_theirs_back()
    {
        var path = _temp.Combine("apps/arr");
        var sub = Path.Combine(path, "config");
        Directory.CreateDirectory(sub);
        File.WriteAllText(Path.Combine(sub, "app.xml"), "v1");
        try
        {
            Set(sub, "user.lifeboat.test", "snapshot");
        }
        catch (PosixException e)
        {
            Assert.Skip($"this file system has no user xattrs: {e.Message}");
        }
        Set(path, "user.lifeboat.root", "snapshot-root");
        var app = new AppConfig { Name = "arr", Paths = [path] };
        var config = new StackConfig { File = "lifeboat.yaml", Repository = _temp.Combine("repo"), Host = "test-host", Apps = [app] };
        await using var repo = await Repository.InitAsync(new LocalBackend(_temp.Combine("repo")), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        await repo.LoadIndexAsync(Ct);
        var backup = await new StackBackup(repo, config, () => new FakeContainerControl()).RunAsync([app], [], Ct);
        Assert.False(backup[0].Failed, backup[0].Error);

        // since then: the attributes changed, one was added, and the file too
        Set(sub, "user.lifeboat.test", "live");
        Set(sub, "user.lifeboat.added", "live");
        Set(path, "user.lifeboat.root", "live-root");
        File.WriteAllText(Path.Combine(sub, "app.xml"), "v2");
        var snapshot = await StackRestore.ChooseSnapshotAsync(repo, app, null, null, null, Ct);

        // a restore that fails part way leaves the live attributes as they were
        var failing = new StackRestore(repo, config, () => new FakeContainerControl())
        {
            BeforeRenameIntoPlace = destination => throw new PosixException(Errno.EPERM, "rename", destination),
        };
        await Assert.ThrowsAsync<StackException>(() => failing.RestoreInPlaceAsync(app, snapshot, [], delete: false, Ct));
        Assert.Equal(new Dictionary<string, string> { ["user.lifeboat.test"] = "live", ["user.lifeboat.added"] = "live" }, UserXattrs(sub));

        await new StackRestore(repo, config, () => new FakeContainerControl()).RestoreInPlaceAsync(app, snapshot, [], delete: false, Ct);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(sub, "app.xml")));
        Assert.Equal(new Dictionary<string, string> { ["user.lifeboat.test"] = "snapshot" }, UserXattrs(sub));
        Assert.Equal(new Dictionary<string, string> { ["user.lifeboat.root"] = "snapshot-root" }, UserXattrs(path));
    }

    public void Dispose() => _temp.Dispose();
}
