using System.Security.Cryptography;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Storage.Tests;

public sealed class RetryBackendTests
{
    private static readonly RetryPolicy Fast = new() { InitialDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxRetries = 5 };
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(MemoryBackend Memory, FaultyBackend Faulty)> CreateAsync()
    {
        var memory = new MemoryBackend();
        await memory.CreateAsync(Ct);
        return (memory, new FaultyBackend(memory));
    }

    [Fact]
    public async Task Transient_failures_are_retried_each_reported_and_the_save_lands_whole()
    {
        var (memory, faulty) = await CreateAsync();
        int failures = 2;
        faulty.Fault = (op, _, _) => op == "Save" && failures-- > 0 ? BackendException.Transient("connection reset by peer") : null;
        var notices = new List<RetryNotice>();
        using var backend = new RetryBackend(faulty, Fast, notices.Add);
        var data = RandomNumberGenerator.GetBytes(5000);
        var name = Convert.ToHexStringLower(SHA256.HashData(data));

        await backend.SaveAsync(FileType.Pack, name, data, Ct);

        Assert.Equal(data, await memory.ReadAllAsync(FileType.Pack, name, Ct));
        Assert.Equal([1, 2], notices.Select(n => n.Retry));
        Assert.StartsWith($"Save(<data/{name[..8]}>) returned error, retrying after ", notices[0].ToString());
        Assert.EndsWith(": connection reset by peer", notices[0].ToString());
    }

    [Fact]
    public async Task Permanent_failures_and_missing_files_fail_at_once()
    {
        var (_, faulty) = await CreateAsync();
        faulty.Fault = (op, _, _) => op == "Save" ? BackendException.Permanent("403 Forbidden: the server is append-only") : null;
        var notices = new List<RetryNotice>();
        using var backend = new RetryBackend(faulty, Fast, notices.Add);

        var e = await Assert.ThrowsAsync<BackendException>(() => backend.SaveAsync(FileType.Lock, new string('1', 64), new byte[] { 1 }, Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        await Assert.ThrowsAsync<BackendFileNotFoundException>(() => backend.ReadAllAsync(FileType.Index, new string('2', 64), Ct));
        Assert.Empty(notices);
        Assert.Equal(2, faulty.Calls);
    }

    [Fact]
    public async Task Retries_end_after_the_policy_limit_with_the_last_error()
    {
        var (_, faulty) = await CreateAsync();
        faulty.Fault = (op, _, _) => op == "Stat" ? BackendException.Transient("503 Service Unavailable") : null;
        var notices = new List<RetryNotice>();
        using var backend = new RetryBackend(faulty, Fast, notices.Add);

        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Pack, new string('3', 64), Ct));
        Assert.Equal("503 Service Unavailable", e.Message);
        Assert.Equal(Fast.MaxRetries, notices.Count);
        Assert.Equal(Fast.MaxRetries + 1, faulty.Calls);
    }

    [Fact]
    public async Task A_listing_broken_half_way_is_started_again_without_repeating_names()
    {
        var (memory, faulty) = await CreateAsync();
        var names = new List<string>();
        for (int i = 0; i < 600; i++)
        {
            var data = BitConverter.GetBytes(i);
            var name = Convert.ToHexStringLower(SHA256.HashData(data));
            names.Add(name);
            await memory.SaveAsync(FileType.Snapshot, name, data, Ct);
        }
        bool failed = false;
        faulty.Fault = (op, _, index) => op == "List" && index == "400" && !failed && (failed = true) ? BackendException.Transient("connection reset") : null;
        using var backend = new RetryBackend(faulty, Fast);

        var listed = new List<string>();
        await foreach (var f in backend.ListAsync(FileType.Snapshot, Ct)) listed.Add(f.Name);

        Assert.True(failed);
        Assert.Equal(names.Order(), listed.Order());
    }

    [Fact]
    public void Delays_grow_to_the_cap_with_jitter_inside_its_bounds()
    {
        var policy = RetryPolicy.Default;
        for (int retry = 1; retry <= 12; retry++)
        {
            double expected = Math.Min(500 * Math.Pow(1.5, retry - 1), 60_000);
            var delay = policy.Delay(retry).TotalMilliseconds;
            Assert.InRange(delay, expected * 0.5, expected * 1.5);
        }
    }
}
