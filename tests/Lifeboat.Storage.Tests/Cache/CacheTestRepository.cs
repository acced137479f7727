using Lifeboat.Engine;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests.Cache;

/// <summary>
/// A repository in a temporary directory, opened as a remote one (<see cref="CountingRemoteBackend"/>) with a cache
/// directory beside it, and a small source tree to back up.
/// </summary>
public sealed class CacheTestRepository : IDisposable
{
    public const string Password = "cache test password";
    private static readonly (int N, int R, int P) FastKdf = (1024, 8, 1);
    private readonly TempDirectory _dir = new("lifeboat-cache-test");
    private readonly List<IBackend> _opened = [];

    public string RepositoryPath => _dir.Combine("repo");
    public string CacheBase => _dir.Combine("cache");
    public string Source => _dir.Combine("src");
    public string Combine(string relative) => _dir.Combine(relative);
    public List<string> Warnings { get; } = [];
    public string RepositoryId { get; private set; } = "";

    /// <summary>This repository's own cache directory: the base and the repository ID.</summary>
    public string CachePath => Path.Combine(CacheBase, RepositoryId);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<CacheTestRepository> CreateAsync()
    {
        var t = new CacheTestRepository();
        Directory.CreateDirectory(t.Source);
        for (int i = 0; i < 20; i++)
        {
            var dir = Path.Combine(t.Source, $"dir{i % 4}", $"sub{i % 3}");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, $"file{i}.txt"), $"content of file {i}\n" + new string((char)('a' + i), 1000 * i));
        }
        await using var repo = await Repository.InitAsync(new LocalBackend(t.RepositoryPath), Password, 2, new RepositoryOptions(), FastKdf, cancellationToken: Ct);
        t.RepositoryId = repo.Config.Id;
        return t;
    }

    public RepositoryOptions Options(string? cacheDirectory) =>
        new() { CacheDirectory = cacheDirectory, Warn = w => { lock (Warnings) Warnings.Add(w); } };

    /// <summary>Opens the repository through a fresh counting "remote" backend, with the cache base <paramref name="cacheDirectory"/>.</summary>
    public async Task<(Repository Repo, CountingRemoteBackend Counter)> OpenAsync(string? cacheDirectory)
    {
        var counter = new CountingRemoteBackend(new LocalBackend(RepositoryPath));
        var repo = await Repository.OpenAsync(counter, Password, Options(cacheDirectory), Ct);
        _opened.Add((IBackend?)repo.Cache ?? counter);
        return (repo, counter);
    }

    public Task<(Repository Repo, CountingRemoteBackend Counter)> OpenAsync() => OpenAsync(CacheBase);

    public static async Task<BackupResult> BackupAsync(Repository repo, string source, Id? parent = null)
    {
        var archiver = new Archiver(repo, new BackupOptions { Paths = [source], Hostname = "cache-test", Parent = parent, CountAhead = false });
        return await archiver.RunAsync(Ct);
    }

    /// <summary>Opens, loads the index, backs up the source and closes: a warm cache afterwards.</summary>
    public async Task<Id> BackupOnceAsync()
    {
        var (repo, _) = await OpenAsync();
        await using (repo)
        {
            await repo.LoadIndexAsync(Ct);
            var result = await BackupAsync(repo, Source);
            return result.SnapshotId!.Value;
        }
    }

    /// <summary>The files of the cache directory, relative to the base, sorted.</summary>
    public List<string> CacheFiles() => !Directory.Exists(CacheBase) ? [] :
        Directory.EnumerateFiles(CacheBase, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(CacheBase, f)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The names of the cached files of one folder (snapshots, index, data).</summary>
    public List<string> Cached(string folder)
    {
        var dir = Path.Combine(CachePath, folder);
        return !Directory.Exists(dir) ? [] : Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The names of a repository folder's files (snapshots, index, data), read straight from the directory.</summary>
    public List<string> InRepository(string folder) =>
        Directory.EnumerateFiles(Path.Combine(RepositoryPath, folder), "*", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();

    public void Dispose()
    {
        foreach (var b in _opened)
        {
            try { b.Dispose(); }
            catch (ObjectDisposedException) { }
        }
        _dir.Dispose();
    }
}
