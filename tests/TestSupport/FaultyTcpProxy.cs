using System.Net;
using System.Net.Sockets;

namespace Lifeboat.TestSupport;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a server on 127.0.0.1 that breaks some of the connections it carries, as a bad
/// network does: it drops a connection (closed at once, or after the request went through but before any answer),
/// stalls one (stops forwarding the answer for <see cref="StallFor"/>, then closes it) or truncates one (closes it after
/// a random number of the answer's bytes). Each connection draws its fate from a seeded random source; TLS passes
/// through untouched. Stopped by Dispose, which closes every connection it holds.
/// </summary>
public sealed class FaultyTcpProxy : IDisposable
{
    public enum Fate { Pass, DropAtOnce, DropBeforeAnswer, Stall, Truncate }

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly double _faultRate;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Dictionary<Fate, int> _counts = [];

    public FaultyTcpProxy(int targetPort, int seed, double faultRate)
    {
        _targetPort = targetPort;
        _faultRate = faultRate;
        _random = new Random(seed);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public TimeSpan StallFor { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>How many connections met each fate so far.</summary>
    public IReadOnlyDictionary<Fate, int> Counts
    {
        get { lock (_gate) return new Dictionary<Fate, int>(_counts); }
    }

    private (Fate Fate, long Bytes) Draw()
    {
        lock (_gate)
        {
            var fate = _random.NextDouble() >= _faultRate ? Fate.Pass : (Fate)(1 + _random.Next(4));
            _counts[fate] = _counts.GetValueOrDefault(fate) + 1;
            return (fate, _random.Next(1, 256 * 1024));
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => CarryAsync(client));
        }
    }

    private async Task CarryAsync(TcpClient client)
    {
        var (fate, bytes) = Draw();
        using (client)
        {
            if (fate == Fate.DropAtOnce) { client.Client.LingerState = new LingerOption(true, 0); return; }
            using var server = new TcpClient();
            try { await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException) { return; }
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client.GetStream(), server.GetStream(), long.MaxValue, connection.Token);
            var down = fate switch
            {
                Fate.DropBeforeAnswer => Task.CompletedTask,
                Fate.Truncate => PumpAsync(server.GetStream(), client.GetStream(), bytes, connection.Token),
                Fate.Stall => StallAsync(server.GetStream(), client.GetStream(), bytes, connection.Token),
                _ => PumpAsync(server.GetStream(), client.GetStream(), long.MaxValue, connection.Token),
            };
            if (fate == Fate.DropBeforeAnswer)
            {
                // let the request through, then hang up before the server's answer comes back
                await Task.WhenAny(up, Task.Delay(TimeSpan.FromMilliseconds(50 + bytes % 200), connection.Token).ContinueWith(_ => { }));
            }
            else await Task.WhenAny(up, down);
            connection.Cancel();
            client.Client.LingerState = new LingerOption(true, 0); // a reset, as a broken network gives
        }
    }

    /// <summary>Forwards part of the answer, then holds the rest back for <see cref="StallFor"/>; the connection closes after.</summary>
    private async Task StallAsync(Stream from, Stream to, long before, CancellationToken cancellationToken)
    {
        await PumpAsync(from, to, before, cancellationToken);
        try { await Task.Delay(StallFor, cancellationToken); }
        catch (OperationCanceledException) { }
    }

    private static async Task PumpAsync(Stream from, Stream to, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        long sent = 0;
        try
        {
            while (sent < limit)
            {
                int n = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - sent)), cancellationToken);
                if (n == 0) return;
                await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                sent += n;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _accepting.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
