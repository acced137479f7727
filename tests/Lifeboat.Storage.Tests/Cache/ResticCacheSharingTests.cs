using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests.Cache;

/// <summary>
/// The cache layout is restic's: restic 0.14 (which keeps a cache for local repositories too) and Lifeboat, pointed at
/// the same cache directory, use each other's cached files instead of reading the repository again.
/// </summary>
public sealed class ResticCacheSharingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, (ulong Inode, DateTime Modified)> Snapshot(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(directory, f),
            f => (Engine.Platform.Posix.LStat(f).Inode, File.GetLastWriteTimeUtc(f)));

    [Fact]
    public async Task Lifeboat_uses_what_restic_cached()
    {
        using var t = await CacheTestRepository.CreateAsync();
        using var restic = new Restic(t.RepositoryPath, CacheTestRepository.Password);
        restic.RunChecked("--cache-dir", t.CacheBase, "backup", t.Source);
        Assert.NotEmpty(t.Cached("snapshots"));
        Assert.NotEmpty(t.Cached("data"));

        var (repo, counter) = await t.OpenAsync();
        await using (repo)
        {
            await repo.LoadIndexAsync(Ct);
            var snapshot = Assert.Single(await repo.ListSnapshotsAsync(Ct));
            var root = await repo.LoadTreeAsync(snapshot.Tree, Ct);
            Assert.NotEmpty(root.Nodes);
            Assert.Equal(0, counter.Reads(FileType.Snapshot));
            Assert.Equal(0, counter.Reads(FileType.Index));
            Assert.Equal(0, counter.Reads(FileType.Pack));
        }
    }

    [Fact]
    public async Task Restic_uses_what_Lifeboat_cached_and_changes_nothing()
    {
        using var t = await CacheTestRepository.CreateAsync();
        var snapshotId = await t.BackupOnceAsync();
        var before = Snapshot(t.CacheBase);
        Assert.Contains(before.Keys, k => k.Contains("/data/"));

        using var restic = new Restic(t.RepositoryPath, CacheTestRepository.Password);
        var snapshots = restic.RunChecked("--cache-dir", t.CacheBase, "snapshots");
        Assert.Contains(snapshotId.ToString()[..8], snapshots.Stdout);
        var ls = restic.RunChecked("--cache-dir", t.CacheBase, "ls", "latest");
        Assert.Contains("file19.txt", ls.Stdout);

        // restic found every file where it looks for it: none fetched again, none written anew, none removed.
        var after = Snapshot(t.CacheBase);
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, state) in before)
            if (!file.EndsWith("/version", StringComparison.Ordinal)) Assert.Equal(state, after[file]);
    }
}
