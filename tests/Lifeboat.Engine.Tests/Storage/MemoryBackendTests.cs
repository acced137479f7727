using System.Security.Cryptography;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Tests.Storage;

/// <summary>
/// The in-memory backend every fast test stands on, beyond the shared contract (Lifeboat.Storage.Tests' conformance suite):
/// it refuses to hold files of a repository never created, holds copies (a caller's buffer changing later changes
/// nothing), and checks that a source gives the length it claims.
/// </summary>
public class MemoryBackendTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NameOf(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    [Fact]
    public async Task BeforeCreate_OnlyTheConfigCanBeSaved()
    {
        using var backend = new MemoryBackend("memory:test");
        var data = RandomNumberGenerator.GetBytes(10);
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.SaveAsync(FileType.Key, NameOf(data), data, Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Equal("repository memory:test does not exist", e.Message);
        Assert.Equal(0, backend.Count);

        await backend.CreateAsync(Ct);
        await backend.SaveAsync(FileType.Key, NameOf(data), data, Ct);
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task ItHoldsCopies_NotTheCallersBuffers()
    {
        using var backend = new MemoryBackend();
        await backend.CreateAsync(Ct);
        var data = RandomNumberGenerator.GetBytes(100);
        var original = data.ToArray();
        var name = NameOf(data);
        await backend.SaveAsync(FileType.Snapshot, name, data, Ct);
        data[0] ^= 0xFF;
        var read = await backend.ReadAllAsync(FileType.Snapshot, name, Ct);
        read[1] ^= 0xFF;
        Assert.Equal(original, await backend.ReadAllAsync(FileType.Snapshot, name, Ct));
    }

    [Fact]
    public async Task ASourceShorterOrLongerThanItClaims_IsRefused()
    {
        using var backend = new MemoryBackend();
        await backend.CreateAsync(Ct);
        var name = new string('c', 64);
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.SaveAsync(FileType.Pack, name, new LyingSource(10, 7), Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Equal($"pack {name}: the source gave 7 bytes, not 10", e.Message);
        Assert.False(await backend.ExistsAsync(FileType.Pack, name, Ct));
    }

    [Fact]
    public async Task AStagedPack_IsSavedFromItsFile()
    {
        using var backend = new MemoryBackend();
        await backend.CreateAsync(Ct);
        var data = RandomNumberGenerator.GetBytes(5000);
        string path;
        using (var staged = backend.CreateStagingFile(FileType.Pack))
        {
            path = staged.Path;
            staged.Write(data.AsSpan(0, 2000));
            staged.Write(data.AsSpan(2000));
            await backend.SaveAsync(FileType.Pack, NameOf(data), staged, Ct);
        }
        Assert.False(File.Exists(path));
        Assert.Equal(data, await backend.ReadAllAsync(FileType.Pack, NameOf(data), Ct));
    }

    [Fact]
    public async Task ARangeBeforeTheStart_IsAnError_AndListingStopsWhenCancelled()
    {
        using var backend = new MemoryBackend();
        await backend.CreateAsync(Ct);
        var data = RandomNumberGenerator.GetBytes(100);
        await backend.SaveAsync(FileType.Index, NameOf(data), data, Ct);
        await Assert.ThrowsAsync<EndOfStreamException>(() => backend.ReadAsync(FileType.Index, NameOf(data), -1, new byte[10], Ct));

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in backend.ListAsync(FileType.Index, cancelled.Token)) { }
        });
    }

    /// <summary>A source whose stream gives <paramref name="actual"/> bytes though it claims <paramref name="claimed"/>.</summary>
    private sealed class LyingSource(long claimed, int actual) : SaveSource
    {
        public override long Length => claimed;
        public override Stream OpenRead() => new MemoryStream(new byte[actual]);
    }
}
