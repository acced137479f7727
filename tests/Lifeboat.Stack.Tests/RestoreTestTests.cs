using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Restore;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>The restore test as a library: what a sample restores, and the scratch directory going away on cancellation.</summary>
public sealed class RestoreTestTests : IDisposable
{
    private const string Password = "restore test password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();

    private async Task<(Repository Repo, StackConfig Config, AppConfig App)> BackedUpAppAsync(int files)
    {
        var path = _temp.Combine("apps/sonarr");
        for (int i = 0; i < files; i++)
        {
            Directory.CreateDirectory(Path.Combine(path, $"dir{i % 5}"));
            File.WriteAllText(Path.Combine(path, $"dir{i % 5}/file{i}.conf"), $"content {i}");
        }
        var app = new AppConfig { Name = "sonarr", Paths = [path], Consistency = ConsistencyMode.None };
        var config = new StackConfig { File = "lifeboat.yaml", Repository = _temp.Combine("repo"), Host = "test-host", Apps = [app] };
        var repo = await Repository.InitAsync(new LocalBackend(_temp.Combine("repo")), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        await repo.LoadIndexAsync(Ct);
        var backup = await new StackBackup(repo, config, () => throw new InvalidOperationException("no containers")).RunAsync([app], [], Ct);
        Assert.False(backup[0].Failed, backup[0].Error);
        return (repo, config, app);
    }

    [Fact]
    public async Task SelectedPathsRestoreExactlyThoseFilesAndTheDirectoriesLeadingToThem()
    {
        var (repo, _, app) = await BackedUpAppAsync(20);
        await using var _ = repo;
        var snapshot = (await repo.ListSnapshotsAsync(Ct)).Single();
        var root = app.Paths[0];
        var chosen = new HashSet<string>(StringComparer.Ordinal) { root + "/dir1/file6.conf", root + "/dir3/file13.conf" };
        var target = _temp.Combine("restored");
        var restorer = new Restorer(repo, new RestoreOptions { Target = target, SelectedPaths = chosen });
        await restorer.RunAsync(snapshot.Tree, Ct);
        Assert.Equal(chosen.Select(p => target + p).Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        Assert.Equal(2, restorer.Statistics.TotalFiles);
        Assert.Equal("content 6", File.ReadAllText(target + root + "/dir1/file6.conf"));
    }

    [Fact]
    public async Task ACancelledTestRemovesItsScratchDirectoryAndRecordsNothing()
    {
        var (repo, config, app) = await BackedUpAppAsync(20);
        await using var _ = repo;
        var staging = _temp.Combine("staging");
        Directory.CreateDirectory(staging);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var log = new RestoreTestLog("abcdef", _temp.Combine("state"));
        var test = new RestoreTest(repo, config, new CancelOnStart(cancel, staging)) { StagingParent = staging, Log = log };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => test.RunAsync([app], cancel.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(staging));
        Assert.Empty(log.ReadAll());

        // and the same test, not cancelled, passes with a sample of at least one file
        var sampled = await new RestoreTest(repo, config) { StagingParent = staging, SamplePercent = 1, Log = log }.RunAsync([app], Ct);
        Assert.True(sampled[0].Passed, string.Join("\n", sampled[0].Problems));
        Assert.Equal(1, sampled[0].Files);
        Assert.Equal(1, sampled[0].FilesComparedLive);
        Assert.Empty(Directory.EnumerateFileSystemEntries(staging));
        Assert.Single(log.ReadAll());
    }

    /// <summary>Cancels once the restore is about to start, as Ctrl-C would.</summary>
    private sealed class CancelOnStart(CancellationTokenSource cancel, string staging) : IRestoreTestObserver
    {
        public void AppStarting(AppConfig app, Snapshot snapshot, long files, long bytes)
        {
            Assert.Single(Directory.EnumerateFileSystemEntries(staging)); // the scratch directory, while the test runs
            cancel.Cancel();
        }

        public void AppFinished(RestoreTestRecord record) => Assert.Fail("a cancelled test has no result");
    }

    public void Dispose() => _temp.Dispose();
}
