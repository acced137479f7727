using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>
/// A repository with one app snapshot holding the app's files and dump files under /lifeboat-dumps, written as the
/// backup writes them: stream files of the engine's BackupOptions.Streams (a program's output, or given bytes).
/// </summary>
public sealed class DumpSnapshot : IAsyncDisposable
{
    public const string Password = "dump test password";

    public required Repository Repository { get; init; }
    public required StackConfig Config { get; init; }
    public required AppConfig App { get; init; }
    public required Snapshot Snapshot { get; init; }

    /// <summary>Backs up <paramref name="app"/>'s paths and <paramref name="streams"/> (snapshot path, content opener) into a new repository under <paramref name="temp"/>.</summary>
    public static async Task<DumpSnapshot> CreateAsync(TempDirectory temp, AppConfig app, IReadOnlyList<(string Path, Func<CancellationToken, Task<Stream>> Open)> streams,
        CancellationToken cancellationToken, string repositoryName = "repo")
    {
        var config = new StackConfig { File = temp.Combine("lifeboat.yaml"), Repository = temp.Combine(repositoryName), Host = "test-host", Apps = [app] };
        var repo = await Repository.InitAsync(new LocalBackend(temp.Combine(repositoryName)), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: cancellationToken);
        await repo.LoadIndexAsync(cancellationToken);
        var snapshot = await BackUpAsync(repo, config, app, streams, cancellationToken);
        return new DumpSnapshot { Repository = repo, Config = config, App = app, Snapshot = snapshot };
    }

    /// <summary>The app backed up by the stack backup (its dumps run by their tools) into a new repository under <paramref name="temp"/>.</summary>
    public static async Task<DumpSnapshot> BackedUpAsync(TempDirectory temp, AppConfig app, CancellationToken cancellationToken)
    {
        var config = new StackConfig { File = temp.Combine("lifeboat.yaml"), Repository = temp.Combine("repo"), Host = "test-host", Apps = [app] };
        var repo = await Repository.InitAsync(new LocalBackend(temp.Combine("repo")), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: cancellationToken);
        await repo.LoadIndexAsync(cancellationToken);
        var result = Assert.Single(await new Scenarios.StackBackup(repo, config, () => new FakeContainerControl()).RunAsync([app], [], cancellationToken));
        Assert.False(result.Failed, result.Error);
        var snapshot = await repo.LoadSnapshotAsync(result.SnapshotId!.Value, cancellationToken);
        return new DumpSnapshot { Repository = repo, Config = config, App = app, Snapshot = snapshot };
    }

    /// <summary>One more snapshot of the app, as the stack backup tags it.</summary>
    public static async Task<Snapshot> BackUpAsync(Repository repo, StackConfig config, AppConfig app,
        IReadOnlyList<(string Path, Func<CancellationToken, Task<Stream>> Open)> streams, CancellationToken cancellationToken)
    {
        var options = new BackupOptions
        {
            Paths = app.Paths,
            Streams = streams.Select(s => new StreamSource { Path = s.Path, Open = s.Open }).ToList(),
            Tags = [app.Tag],
            Hostname = config.Host,
        };
        var result = await new Archiver(repo, options, null).RunAsync(cancellationToken);
        return await repo.LoadSnapshotAsync(result.SnapshotId!.Value, cancellationToken);
    }

    public static (string, Func<CancellationToken, Task<Stream>>) Bytes(string path, byte[] content) =>
        (path, _ => Task.FromResult<Stream>(new MemoryStream(content)));

    public ValueTask DisposeAsync() => Repository.DisposeAsync();
}
