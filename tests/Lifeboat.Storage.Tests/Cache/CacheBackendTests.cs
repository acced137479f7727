using System.Security.Cryptography;
using Lifeboat.Engine;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.Cache;

namespace Lifeboat.Storage.Tests.Cache;

/// <summary>The local cache of a remote repository, through the engine: what it saves in reads, and that it is never trusted blindly.</summary>
public sealed class CacheBackendTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void AssertNamesMatchContent(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f).Length == 64))
            Assert.Equal(Path.GetFileName(file), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));
    }

    [Fact]
    public async Task A_second_open_lists_snapshots_and_loads_the_index_without_reading_them_from_the_repository()
    {
        using var t = await CacheTestRepository.CreateAsync();
        var snapshotId = await t.BackupOnceAsync();

        var (repo, counter) = await t.OpenAsync();
        await using (repo)
        {
            await repo.LoadIndexAsync(Ct);
            var snapshots = await repo.ListSnapshotsAsync(Ct);
            Assert.Equal(snapshotId, Assert.Single(snapshots).Id);
            var root = await repo.LoadTreeAsync(snapshots[0].Tree, Ct);
            Assert.NotEmpty(root.Nodes);

            Assert.Equal(0, counter.Reads(FileType.Snapshot));
            Assert.Equal(0, counter.Reads(FileType.Index));
            // The tree pack was written through when the backup saved it.
            Assert.Equal(0, counter.Reads(FileType.Pack));
        }
        Assert.Equal(t.InRepository("snapshots"), t.Cached("snapshots"));
        Assert.Equal(t.InRepository("index"), t.Cached("index"));
        AssertNamesMatchContent(t.CachePath + "/snapshots");
        AssertNamesMatchContent(t.CachePath + "/index");
        AssertNamesMatchContent(t.CachePath + "/data");
    }

    [Fact]
    public async Task Only_packs_of_trees_are_cached_and_a_no_change_backup_with_a_warm_cache_downloads_no_pack()
    {
        using var t = await CacheTestRepository.CreateAsync();
        await t.BackupOnceAsync();

        // Which packs hold trees, from the index itself.
        HashSet<string> treePacks, allPacks;
        {
            var (repo, _) = await t.OpenAsync(null);
            await using (repo)
            {
                await repo.LoadIndexAsync(Ct);
                treePacks = repo.Index.PacksWith(BlobType.Tree).Select(p => p.ToString()).ToHashSet();
                allPacks = repo.Index.Packs.Select(p => p.ToString()).ToHashSet();
            }
        }
        Assert.NotEmpty(treePacks);
        Assert.True(allPacks.Count > treePacks.Count, "the backup wrote data packs too");
        Assert.Equal(treePacks.Order(StringComparer.Ordinal), t.Cached("data"));

        {
            var (repo, counter) = await t.OpenAsync();
            await using (repo)
            {
                await repo.LoadIndexAsync(Ct);
                var result = await CacheTestRepository.BackupAsync(repo, t.Source);
                Assert.NotNull(result.Parent);
                Assert.Equal(0, counter.Reads(FileType.Pack));
                Assert.Equal(0, counter.Reads(FileType.Index));
                Assert.Equal(0, counter.Reads(FileType.Snapshot));
            }
        }
    }

    [Fact]
    public async Task With_a_cold_cache_each_tree_pack_is_downloaded_once_and_read_locally_after()
    {
        using var t = await CacheTestRepository.CreateAsync();
        await t.BackupOnceAsync();
        Directory.Delete(t.CacheBase, recursive: true);

        var (repo, counter) = await t.OpenAsync();
        await using (repo)
        {
            await repo.LoadIndexAsync(Ct);
            var snapshot = Assert.Single(await repo.ListSnapshotsAsync(Ct));
            // Every tree of the snapshot, one by one: many reads of ranges of few packs.
            int trees = 0;
            var pending = new Stack<Id>([snapshot.Tree]);
            while (pending.TryPop(out var id))
            {
                trees++;
                foreach (var node in (await repo.LoadTreeAsync(id, Ct)).Nodes)
                    if (node.Subtree is { } sub) pending.Push(sub);
            }
            var treePacks = repo.Index.PacksWith(BlobType.Tree).Select(p => p.ToString()).ToList();
            Assert.True(trees > treePacks.Count, $"{trees} trees in {treePacks.Count} packs");
            foreach (var pack in treePacks) Assert.Equal(1, counter.Reads(FileType.Pack, pack));
            Assert.Equal(treePacks.Count, counter.Reads(FileType.Pack));
        }
        AssertNamesMatchContent(t.CachePath + "/data");
    }

    [Fact]
    public async Task Two_readers_of_one_missing_tree_pack_download_it_once()
    {
        using var t = await CacheTestRepository.CreateAsync();
        await t.BackupOnceAsync();
        Directory.Delete(t.CacheBase, recursive: true);

        var (repo, counter) = await t.OpenAsync();
        await using (repo)
        {
            await repo.LoadIndexAsync(Ct);
            var pack = repo.Index.PacksWith(BlobType.Tree).First();
            var blobs = repo.Index.All().Where(b => b.PackId == pack).Select(b => b.Blob).ToList();
            counter.ReadDelay = TimeSpan.FromMilliseconds(200);
            var reads = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                var blob = blobs[i % blobs.Count];
                var buffer = new byte[blob.Length];
                await repo.Cache!.ReadAsync(FileType.Pack, pack.ToString(), blob.Offset, buffer, Ct);
                return (blob, buffer);
            })).ToList();
            foreach (var (blob, buffer) in await Task.WhenAll(reads))
            {
                var plain = new byte[blob.IsCompressed ? blob.UncompressedLength : blob.Length - 32];
                repo.DecodeBlob(pack, blob, buffer, plain); // throws unless the bytes are the blob's
            }
            Assert.Equal(1, counter.Reads(FileType.Pack, pack.ToString()));
        }
    }

    [Fact]
    public async Task Damaged_cached_files_are_detected_removed_and_read_again()
    {
        using var t = await CacheTestRepository.CreateAsync();
        var snapshotId = await t.BackupOnceAsync();
        var damaged = Directory.EnumerateFiles(t.CachePath, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).Length == 64).ToList();
        Assert.Contains(damaged, f => f.Contains("/snapshots/"));
        Assert.Contains(damaged, f => f.Contains("/index/"));
        Assert.Contains(damaged, f => f.Contains("/data/"));
        foreach (var file in damaged)
        {
            var bytes = File.ReadAllBytes(file);
            bytes[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(file, bytes);
        }
        // A truncated one too.
        File.WriteAllBytes(damaged.First(f => f.Contains("/snapshots/")), [1, 2, 3]);

        var (repo, counter) = await t.OpenAsync();
        await using (repo)
        {
            await repo.LoadIndexAsync(Ct);
            var snapshot = Assert.Single(await repo.ListSnapshotsAsync(Ct));
            Assert.Equal(snapshotId, snapshot.Id);
            var root = await repo.LoadTreeAsync(snapshot.Tree, Ct);
            Assert.NotEmpty(root.Nodes);
            Assert.Equal(1, counter.Reads(FileType.Snapshot));
            Assert.Equal(t.InRepository("index").Count, counter.Reads(FileType.Index));
            Assert.True(counter.Reads(FileType.Pack) >= 1);
        }
        // Read again from the repository and cached anew: whole and correct.
        AssertNamesMatchContent(t.CachePath);
        Assert.Equal(t.InRepository("snapshots"), t.Cached("snapshots"));
        Assert.Equal(t.InRepository("index"), t.Cached("index"));
    }

    [Fact]
    public async Task Entries_the_repository_no_longer_has_are_removed_from_the_cache()
    {
        using var t = await CacheTestRepository.CreateAsync();
        var first = await t.BackupOnceAsync();
        File.AppendAllText(Path.Combine(t.Source, "dir0", "new.txt"), "new file");
        var second = await t.BackupOnceAsync();
        Assert.Equal(2, t.Cached("snapshots").Count);

        // Another client removes the first snapshot; leftovers of unknown index files and packs sit in the cache.
        File.Delete(Path.Combine(t.RepositoryPath, "snapshots", first.ToString()));
        var staleIndex = new string('e', 64);
        var stalePack = new string('d', 64);
        Directory.CreateDirectory(Path.Combine(t.CachePath, "index", "ee"));
        File.WriteAllText(Path.Combine(t.CachePath, "index", "ee", staleIndex), "old");
        Directory.CreateDirectory(Path.Combine(t.CachePath, "data", "dd"));
        File.WriteAllText(Path.Combine(t.CachePath, "data", "dd", stalePack), "old");
        var keptPacks = t.Cached("data").Where(p => p != stalePack).ToList();

        var (repo, _) = await t.OpenAsync();
        await using (repo)
        {
            Assert.Equal(second, Assert.Single(await repo.ListSnapshotsAsync(Ct)).Id);
            Assert.Equal([second.ToString()], t.Cached("snapshots"));
            await repo.LoadIndexAsync(Ct);
        }
        Assert.Equal(t.InRepository("index"), t.Cached("index"));
        Assert.DoesNotContain(stalePack, t.Cached("data"));
        Assert.Equal(keptPacks, t.Cached("data"));
    }

    [Fact]
    public async Task Deleting_through_the_repository_removes_the_cached_copy()
    {
        using var t = await CacheTestRepository.CreateAsync();
        var snapshotId = await t.BackupOnceAsync();
        Assert.Single(t.Cached("snapshots"));
        var (repo, _) = await t.OpenAsync();
        await using (repo)
        {
            await repo.DeleteFileAsync(FileType.Snapshot, snapshotId, Ct);
        }
        Assert.Empty(t.Cached("snapshots"));
    }

    [Fact]
    public async Task The_layout_is_restics_version_1()
    {
        using var t = await CacheTestRepository.CreateAsync();
        await t.BackupOnceAsync();
        var files = t.CacheFiles();
        Assert.Contains("CACHEDIR.TAG", files);
        Assert.Equal("Signature: 8a477f597d28d172789f06886806bc55\n", File.ReadAllText(Path.Combine(t.CacheBase, "CACHEDIR.TAG")));
        Assert.Equal("1", File.ReadAllText(Path.Combine(t.CachePath, "version")));
        foreach (var file in files.Where(f => f != "CACHEDIR.TAG"))
        {
            var parts = file.Split('/');
            Assert.Equal(t.RepositoryId, parts[0]);
            if (parts[1] == "version") continue;
            // <id>/<folder>/<first two hex digits>/<name>
            Assert.Equal(4, parts.Length);
            Assert.Contains(parts[1], (string[])["snapshots", "index", "data"]);
            Assert.Equal(parts[3][..2], parts[2]);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(t.CacheBase, file)));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(t.CachePath));
    }

    [Fact]
    public async Task Without_a_cache_directory_or_for_a_local_repository_nothing_is_written()
    {
        using var t = await CacheTestRepository.CreateAsync();
        var (repo, counter) = await t.OpenAsync(null);
        await using (repo)
        {
            Assert.Null(repo.Cache);
            await repo.LoadIndexAsync(Ct);
            await CacheTestRepository.BackupAsync(repo, t.Source);
            Assert.Single(await repo.ListSnapshotsAsync(Ct));
            Assert.Equal(1, counter.Reads(FileType.Snapshot));
        }
        Assert.False(Directory.Exists(t.CacheBase));

        await using (var local = await Repository.OpenAsync(new LocalBackend(t.RepositoryPath), CacheTestRepository.Password, t.Options(t.CacheBase), Ct))
        {
            Assert.Null(local.Cache);
            await local.LoadIndexAsync(Ct);
            Assert.Single(await local.ListSnapshotsAsync(Ct));
        }
        Assert.False(Directory.Exists(t.CacheBase));
        Assert.Empty(t.Warnings);
    }

    [Fact]
    public async Task A_cache_directory_that_cannot_be_created_is_a_warning_and_the_command_runs_without_it()
    {
        using var t = await CacheTestRepository.CreateAsync();
        var blocker = t.Combine("not-a-directory");
        File.WriteAllText(blocker, "a file where the cache should go");
        var (repo, counter) = await t.OpenAsync(Path.Combine(blocker, "cache"));
        await using (repo)
        {
            Assert.Null(repo.Cache);
            await repo.LoadIndexAsync(Ct);
            var result = await CacheTestRepository.BackupAsync(repo, t.Source);
            Assert.NotNull(result.SnapshotId);
        }
        var warning = Assert.Single(t.Warnings);
        Assert.StartsWith("unable to open cache: ", warning);
        Assert.DoesNotContain(CacheTestRepository.Password, warning);
    }

    [Fact]
    public async Task A_cache_of_a_newer_layout_version_is_left_alone()
    {
        using var t = await CacheTestRepository.CreateAsync();
        Directory.CreateDirectory(t.CachePath);
        File.WriteAllText(Path.Combine(t.CachePath, "version"), "2");
        var (repo, _) = await t.OpenAsync();
        await using (repo)
        {
            Assert.Null(repo.Cache);
            await repo.LoadIndexAsync(Ct);
            await CacheTestRepository.BackupAsync(repo, t.Source);
        }
        Assert.Contains("newer", Assert.Single(t.Warnings));
        Assert.Equal(["version"], Directory.EnumerateFileSystemEntries(t.CachePath).Select(Path.GetFileName).ToList());
    }

    [Fact]
    public async Task Old_caches_are_those_not_used_for_longer_than_the_age_given()
    {
        using var t = await CacheTestRepository.CreateAsync();
        await t.BackupOnceAsync();
        var old = Path.Combine(t.CacheBase, new string('a', 64));
        Directory.CreateDirectory(Path.Combine(old, "snapshots"));
        Directory.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-40));
        Directory.CreateDirectory(Path.Combine(t.CacheBase, "not-a-cache"));
        Directory.SetLastWriteTimeUtc(Path.Combine(t.CacheBase, "not-a-cache"), DateTime.UtcNow.AddDays(-40));

        Assert.Equal([new string('a', 64), t.RepositoryId], CacheDirectories.List(t.CacheBase).Select(d => d.Name));
        Assert.Equal([new string('a', 64)], CacheDirectories.OlderThan(t.CacheBase, CacheDirectories.MaxAge).Select(d => d.Name));
        Assert.Empty(CacheDirectories.OlderThan(t.CacheBase, TimeSpan.FromDays(50)));

        // Using a cache marks it as used now.
        Directory.SetLastWriteTimeUtc(t.CachePath, DateTime.UtcNow.AddDays(-40));
        var (repo, _) = await t.OpenAsync();
        await repo.DisposeAsync();
        Assert.Equal([new string('a', 64)], CacheDirectories.OlderThan(t.CacheBase, CacheDirectories.MaxAge).Select(d => d.Name));
    }

    [Fact]
    public void The_default_base_follows_XDG_then_HOME()
    {
        Assert.Equal("/x/lifeboat", CacheDirectories.DefaultBase(n => n == "XDG_CACHE_HOME" ? "/x" : n == "HOME" ? "/h" : null));
        Assert.Equal("/h/.cache/lifeboat", CacheDirectories.DefaultBase(n => n == "HOME" ? "/h" : null));
        var e = Assert.Throws<IOException>(() => CacheDirectories.DefaultBase(_ => null));
        Assert.Contains("$HOME", e.Message);
    }
}
