using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.Rest;

namespace Lifeboat.Storage.Tests;

/// <summary>rest's streamed read against servers that misbehave half way through a body.</summary>
public sealed class RestStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string Name = new('a', 64);

    private static BackendSettings OneConnection => new() { Options = new Dictionary<string, string> { ["rest.connections"] = "1" } };

    [Fact]
    public async Task A_body_cut_short_is_transient_and_gives_its_connection_slot_back()
    {
        int answered = 0;
        using var server = new HostileHttpServer(async (stream, ct) =>
        {
            Interlocked.Increment(ref answered);
            await HostileHttpServer.WriteAsync(stream, "HTTP/1.1 206 Partial Content\r\nContent-Length: 1000\r\nContent-Range: bytes 0-999/5000\r\n\r\n", ct);
            await stream.WriteAsync(new byte[500], ct);
            stream.Close();
        });
        using var backend = RestBackend.Open(server.Url, OneConnection);

        for (int i = 0; i < 2; i++)
        {
            await using var body = await backend.OpenReadAsync(FileType.Pack, Name, 0, 1000, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
            var buffer = new byte[1000];
            var e = await Assert.ThrowsAsync<BackendException>(async () =>
            {
                while (await body.ReadAsync(buffer, Ct) > 0) { }
            });
            Assert.Equal(BackendErrorKind.Transient, e.Kind);
            Assert.DoesNotContain('\n', e.Message);
        }
        // The second open got the only slot: the first stream gave it back when it was disposed.
        Assert.Equal(2, answered);
    }

    [Fact]
    public async Task The_idle_watchdog_cuts_a_stalled_read_but_not_a_reader_that_pauses()
    {
        using var server = new HostileHttpServer(async (stream, ct) =>
        {
            await HostileHttpServer.WriteAsync(stream, "HTTP/1.1 206 Partial Content\r\nContent-Length: 2000\r\nContent-Range: bytes 0-1999/5000\r\n\r\n", ct);
            await stream.WriteAsync(new byte[1000], ct);
            await Task.Delay(Timeout.Infinite, ct); // the second half never comes
        });
        using var backend = RestBackend.Open(server.Url, new BackendSettings());
        backend.IdleTimeout = TimeSpan.FromSeconds(1);

        await using var body = await backend.OpenReadAsync(FileType.Pack, Name, 0, 2000, Ct);
        // The reader verifies for longer than the watchdog's limit: that is not the server's silence.
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        var buffer = new byte[2000];
        int got = 0;
        while (got < 1000) got += await body.ReadAsync(buffer.AsMemory(got), Ct);
        Assert.Equal(1000, got);
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<BackendException>(async () => await body.ReadExactlyAsync(buffer.AsMemory(got), Ct));
        Assert.Equal(BackendErrorKind.Transient, e.Kind);
        Assert.Contains("sent or took nothing for 1 second;", e.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }
}
