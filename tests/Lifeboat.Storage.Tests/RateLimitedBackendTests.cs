using System.Diagnostics;
using System.Security.Cryptography;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Storage.Tests;

/// <summary>--limit-upload and --limit-download: the bytes arrive whole, no faster than the limit.</summary>
public sealed class RateLimitedBackendTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Uploads_and_downloads_keep_to_their_limits_and_arrive_whole()
    {
        var memory = new MemoryBackend();
        await memory.CreateAsync(Ct);
        // 128 KiB/s each way; a second's worth may go at once, so 512 KiB takes at least 3 s more
        using var limited = new RateLimitedBackend(memory, 128 * 1024, 128 * 1024);
        var data = RandomNumberGenerator.GetBytes(512 * 1024);
        var name = Convert.ToHexStringLower(SHA256.HashData(data));

        var clock = Stopwatch.StartNew();
        await limited.SaveAsync(FileType.Pack, name, SaveSource.FromMemory(data), Ct);
        var upload = clock.Elapsed;
        clock.Restart();
        var back = await limited.ReadAllAsync(FileType.Pack, name, Ct);
        await limited.ReadAllAsync(FileType.Pack, name, Ct);
        var download = clock.Elapsed;

        Assert.Equal(data, back);
        Assert.InRange(upload.TotalSeconds, 2.7, 30);
        // two reads of 512 KiB: 1 MiB at 128 KiB/s, less the first second's allowance
        Assert.InRange(download.TotalSeconds, 6.5, 60);
    }

    [Fact]
    public async Task Without_limits_nothing_waits()
    {
        var memory = new MemoryBackend();
        await memory.CreateAsync(Ct);
        using var limited = new RateLimitedBackend(memory, null, null);
        var data = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var clock = Stopwatch.StartNew();
        await limited.SaveAsync(FileType.Pack, new string('c', 64), SaveSource.FromMemory(data), Ct);
        Assert.Equal(data, await limited.ReadAllAsync(FileType.Pack, new string('c', 64), Ct));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{clock.Elapsed}");
    }
}
