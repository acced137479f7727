using System.Security.Cryptography;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Tests.Repository;

/// <summary>
/// A pack read front to back through the window, with and without reads ahead (a server's packs): the same bytes in the
/// same order, the file's SHA-256 at the end, a failed read surfacing at its place, and disposal midway safe.
/// </summary>
public sealed class PackStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(MemoryBackend Backend, byte[] Bytes)> PackAsync(int length)
    {
        var backend = new MemoryBackend();
        await backend.CreateAsync(Ct);
        var bytes = RandomNumberGenerator.GetBytes(length);
        await backend.SaveAsync(FileType.Pack, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes, Ct);
        return (backend, bytes);
    }

    [Theory]
    [InlineData(0, 5_300_000)]
    [InlineData(4, 5_300_000)]
    [InlineData(4, 700)]
    [InlineData(2, 3 * 1024 * 1024)]
    public async Task Reads_every_byte_in_order_and_hashes_the_file(int readAhead, int length)
    {
        var (backend, bytes) = await PackAsync(length);
        var name = Convert.ToHexStringLower(SHA256.HashData(bytes));
        using var stream = new PackStream(backend, name, length, readAhead);
        var random = new Random(length + readAhead);
        int at = 0;
        while (at < length)
        {
            // blobs of mixed sizes, one larger than the window, and skips between some of them
            int take = Math.Min(length - at, random.Next(4) == 0 ? 1_500_000 : random.Next(1, 300_000));
            if (random.Next(5) == 0)
            {
                await stream.SkipToAsync(at + take, Ct);
            }
            else
            {
                var got = await stream.TakeAsync(take, Ct);
                Assert.True(got.Span.SequenceEqual(bytes.AsSpan(at, take)), $"bytes at {at} differ");
            }
            at += take;
            Assert.Equal(at, stream.Position);
        }
        Assert.Equal(name, stream.GetHash().ToString());
    }

    [Fact]
    public async Task A_read_ahead_that_fails_surfaces_where_its_bytes_are_needed()
    {
        var (backend, bytes) = await PackAsync(3_000_000);
        using var stream = new PackStream(backend, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length + 2_000_000, readAhead: 4);
        await stream.TakeAsync(2_000_000, Ct);
        await Assert.ThrowsAnyAsync<Exception>(async () => await stream.TakeAsync(2_000_000, Ct));
    }

    [Fact]
    public async Task Disposed_midway_with_reads_still_ahead()
    {
        var (backend, bytes) = await PackAsync(6_000_000);
        var stream = new PackStream(backend, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, readAhead: 4);
        var first = await stream.TakeAsync(100, Ct);
        Assert.True(first.Span.SequenceEqual(bytes.AsSpan(0, 100)));
        stream.Dispose();
    }
}
