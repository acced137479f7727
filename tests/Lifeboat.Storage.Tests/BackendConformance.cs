using System.Security.Cryptography;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// The storage contract (<see cref="IBackend"/>'s remarks), checked the same way for every backend: each backend's test
/// class derives from this one and says how to make a fresh, created, empty repository on it.
/// </summary>
public abstract class BackendConformance
{
    /// <summary>A new backend on an empty location that <see cref="IBackend.CreateAsync"/> has been called on.</summary>
    protected abstract Task<IBackend> CreateBackendAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NameOf(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static byte[] Random(int length) => RandomNumberGenerator.GetBytes(length);

    [Fact]
    public async Task Saved_files_read_back_whole_and_by_range()
    {
        using var backend = await CreateBackendAsync();
        var data = Random(100_000);
        var name = NameOf(data);
        await backend.SaveAsync(FileType.Snapshot, name, data, Ct);

        Assert.Equal(data, await backend.ReadAllAsync(FileType.Snapshot, name, Ct));
        Assert.Equal(data.Length, await backend.StatAsync(FileType.Snapshot, name, Ct));
        var range = new byte[1000];
        await backend.ReadAsync(FileType.Snapshot, name, 54_321, range, Ct);
        Assert.Equal(data.AsSpan(54_321, 1000).ToArray(), range);
        var tail = new byte[10];
        await backend.ReadAsync(FileType.Snapshot, name, data.Length - 10, tail, Ct);
        Assert.Equal(data.AsSpan(data.Length - 10).ToArray(), tail);
    }

    [Fact]
    public async Task Every_file_type_lists_its_own_files_with_sizes()
    {
        using var backend = await CreateBackendAsync();
        var saved = new Dictionary<FileType, List<BackendFile>>();
        foreach (var type in new[] { FileType.Key, FileType.Lock, FileType.Snapshot, FileType.Index, FileType.Pack })
        {
            saved[type] = [];
            for (int i = 0; i < 3; i++)
            {
                var data = Random(10 + i * 7 + (int)type);
                var name = NameOf(data);
                await backend.SaveAsync(type, name, data, Ct);
                saved[type].Add(new BackendFile(name, data.Length));
            }
        }
        await backend.SaveAsync(FileType.Config, "config", new byte[] { 1, 2, 3 }, Ct);
        foreach (var (type, files) in saved)
        {
            var listed = new List<BackendFile>();
            await foreach (var f in backend.ListAsync(type, Ct)) listed.Add(f);
            Assert.Equal(files.OrderBy(f => f.Name), listed.OrderBy(f => f.Name));
        }
        var config = new List<BackendFile>();
        await foreach (var f in backend.ListAsync(FileType.Config, Ct)) config.Add(f);
        Assert.Equal([new BackendFile("config", 3)], config);
    }

    [Fact]
    public async Task A_missing_file_is_not_found_and_deleting_it_succeeds()
    {
        using var backend = await CreateBackendAsync();
        var name = new string('a', 64);
        await Assert.ThrowsAsync<BackendFileNotFoundException>(() => backend.StatAsync(FileType.Pack, name, Ct));
        await Assert.ThrowsAsync<BackendFileNotFoundException>(() => backend.ReadAllAsync(FileType.Index, name, Ct));
        await Assert.ThrowsAsync<BackendFileNotFoundException>(() => backend.ReadAsync(FileType.Pack, name, 0, new byte[10], Ct));
        Assert.False(await backend.ExistsAsync(FileType.Snapshot, name, Ct));
        await backend.DeleteAsync(FileType.Lock, name, Ct);
    }

    [Fact]
    public async Task Deleted_files_are_gone_and_others_stay()
    {
        using var backend = await CreateBackendAsync();
        var a = Random(500);
        var b = Random(600);
        await backend.SaveAsync(FileType.Lock, NameOf(a), a, Ct);
        await backend.SaveAsync(FileType.Lock, NameOf(b), b, Ct);
        await backend.DeleteAsync(FileType.Lock, NameOf(a), Ct);
        Assert.False(await backend.ExistsAsync(FileType.Lock, NameOf(a), Ct));
        Assert.Equal(b, await backend.ReadAllAsync(FileType.Lock, NameOf(b), Ct));
        var listed = new List<string>();
        await foreach (var f in backend.ListAsync(FileType.Lock, Ct)) listed.Add(f.Name);
        Assert.Equal([NameOf(b)], listed);
    }

    [Fact]
    public async Task A_range_beyond_the_end_is_an_error_not_a_short_read()
    {
        using var backend = await CreateBackendAsync();
        var data = Random(1000);
        await backend.SaveAsync(FileType.Pack, NameOf(data), data, Ct);
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => backend.ReadAsync(FileType.Pack, NameOf(data), 900, new byte[200], Ct));
        Assert.IsNotType<BackendFileNotFoundException>(ex);
    }

    [Fact]
    public async Task A_staged_file_is_saved_whole_and_leaves_nothing_behind()
    {
        using var backend = await CreateBackendAsync();
        var data = Random(3 * 1024 * 1024 + 17);
        string name = NameOf(data);
        string stagingPath;
        using (var staged = backend.CreateStagingFile(FileType.Pack))
        {
            stagingPath = staged.Path;
            for (int i = 0; i < data.Length; i += 100_000) staged.Write(data.AsSpan(i, Math.Min(100_000, data.Length - i)));
            staged.Complete(durable: false);
            Assert.Equal(data.Length, staged.Length);
            await backend.SaveAsync(FileType.Pack, name, staged, Ct);
        }
        Assert.False(File.Exists(stagingPath));
        Assert.Equal(data, await backend.ReadAllAsync(FileType.Pack, name, Ct));
        var listed = new List<BackendFile>();
        await foreach (var f in backend.ListAsync(FileType.Pack, Ct)) listed.Add(f);
        Assert.Equal([new BackendFile(name, data.Length)], listed);
    }

    [Fact]
    public async Task Saving_an_existing_name_never_changes_its_content()
    {
        using var backend = await CreateBackendAsync();
        var data = Random(2000);
        var name = NameOf(data);
        await backend.SaveAsync(FileType.Index, name, data, Ct);
        try
        {
            await backend.SaveAsync(FileType.Index, name, data, Ct);
        }
        catch (BackendException e) when (e.Kind == BackendErrorKind.Permanent)
        {
            // Refusing is allowed (restic's REST server does).
        }
        Assert.Equal(data, await backend.ReadAllAsync(FileType.Index, name, Ct));
    }

    [Fact]
    public async Task Many_operations_at_once_all_land()
    {
        using var backend = await CreateBackendAsync();
        var files = Enumerable.Range(0, 40).Select(i => Random(1000 + i * 1111)).ToList();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct },
            async (data, ct) => await backend.SaveAsync(FileType.Pack, NameOf(data), data, ct));
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct },
            async (data, ct) =>
            {
                var part = new byte[500];
                await backend.ReadAsync(FileType.Pack, NameOf(data), 300, part, ct);
                Assert.Equal(data.AsSpan(300, 500).ToArray(), part);
            });
        int count = 0;
        await foreach (var _ in backend.ListAsync(FileType.Pack, Ct)) count++;
        Assert.Equal(files.Count, count);
    }

    [Fact]
    public async Task A_large_file_round_trips()
    {
        using var backend = await CreateBackendAsync();
        var data = Random(40 * 1024 * 1024 + 3);
        var name = NameOf(data);
        await backend.SaveAsync(FileType.Pack, name, data, Ct);
        Assert.Equal(data.Length, await backend.StatAsync(FileType.Pack, name, Ct));
        var end = new byte[4096];
        await backend.ReadAsync(FileType.Pack, name, data.Length - 4096, end, Ct);
        Assert.Equal(data.AsSpan(data.Length - 4096).ToArray(), end);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await backend.ReadAllAsync(FileType.Pack, name, Ct)));
    }

    /// <summary>Everything a stream gives, read as a pack reader reads it: into a buffer, front to back.</summary>
    private static async Task<byte[]> ReadToEndAsync(Stream stream, int bufferSize = 256 * 1024)
    {
        using var collected = new MemoryStream();
        var buffer = new byte[bufferSize];
        int n;
        while ((n = await stream.ReadAsync(buffer, Ct)) > 0) collected.Write(buffer, 0, n);
        return collected.ToArray();
    }

    [Fact]
    public async Task A_streamed_read_gives_the_whole_file_or_exactly_a_range()
    {
        using var backend = await CreateBackendAsync();
        var data = Random(5 * 1024 * 1024 + 11);
        var name = NameOf(data);
        await backend.SaveAsync(FileType.Pack, name, data, Ct);

        await using (var whole = await backend.OpenReadAsync(FileType.Pack, name, 0, data.Length, Ct))
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(await ReadToEndAsync(whole)));
        await using (var range = await backend.OpenReadAsync(FileType.Pack, name, 54_321, 1_000_000, Ct))
            Assert.Equal(data.AsSpan(54_321, 1_000_000).ToArray(), await ReadToEndAsync(range, 100_000));
        await using (var tail = await backend.OpenReadAsync(FileType.Pack, name, data.Length - 10, 10, Ct))
            Assert.Equal(data.AsSpan(data.Length - 10).ToArray(), await ReadToEndAsync(tail));
    }

    [Fact]
    public async Task A_streamed_read_of_a_missing_file_is_not_found()
    {
        using var backend = await CreateBackendAsync();
        await Assert.ThrowsAsync<BackendFileNotFoundException>(async () =>
        {
            await using var stream = await backend.OpenReadAsync(FileType.Pack, new string('d', 64), 0, 1000, Ct);
            await ReadToEndAsync(stream);
        });
    }

    [Fact]
    public async Task A_streamed_range_beyond_the_end_is_an_error_not_a_short_stream()
    {
        using var backend = await CreateBackendAsync();
        var data = Random(1000);
        await backend.SaveAsync(FileType.Pack, NameOf(data), data, Ct);
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var stream = await backend.OpenReadAsync(FileType.Pack, NameOf(data), 900, 200, Ct);
            await ReadToEndAsync(stream);
        });
        Assert.IsNotType<BackendFileNotFoundException>(ex);
    }

    [Fact]
    public async Task A_stream_broken_half_way_is_resumed_by_the_retry_layer_with_identical_bytes()
    {
        using var backend = await CreateBackendAsync();
        var data = Random(3 * 1024 * 1024 + 5);
        var name = NameOf(data);
        await backend.SaveAsync(FileType.Pack, name, data, Ct);
        var faulty = new FaultyBackend(backend, backend.IsLocal);
        int breaks = 2;
        faulty.StreamFault = (_, _, next) => next >= 1024 * 1024 && breaks-- > 0 ? BackendException.Transient("connection reset by peer") : null;
        var notices = new List<RetryNotice>();
        var retrying = new RetryBackend(faulty, new RetryPolicy { InitialDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) }, notices.Add);

        await using (var stream = await retrying.OpenReadAsync(FileType.Pack, name, 100, data.Length - 100, Ct))
            Assert.Equal(SHA256.HashData(data.AsSpan(100)), SHA256.HashData(await ReadToEndAsync(stream)));

        Assert.Equal([1, 2], notices.Select(n => n.Retry));
        Assert.StartsWith($"Load(<data/{name[..8]}>) returned error, retrying after ", notices[0].ToString());
        Assert.Equal(3, faulty.Calls); // opened once, then again at the first byte not handed out, twice
    }

    [Fact]
    public async Task Creating_twice_over_a_config_fails()
    {
        using var backend = await CreateBackendAsync();
        await backend.SaveAsync(FileType.Config, "config", new byte[] { 9 }, Ct);
        await Assert.ThrowsAnyAsync<Exception>(() => backend.CreateAsync(Ct));
        Assert.Equal([9], await backend.ReadAllAsync(FileType.Config, "config", Ct));
    }
}
