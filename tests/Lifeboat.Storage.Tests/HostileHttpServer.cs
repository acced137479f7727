using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// A deliberately broken HTTP server on 127.0.0.1 (no real server misbehaves on purpose): every connection gets the
/// request read and then whatever <c>answer</c> writes to the socket: silence, a short body, an absurd length, an
/// endless listing. Stopped on Dispose.
/// </summary>
internal sealed class HostileHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];

    public HostileHttpServer(Func<NetworkStream, CancellationToken, Task> answer)
    {
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
                lock (_clients) _clients.Add(client);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        var stream = client.GetStream();
                        await ReadHeadersAsync(stream, _stop.Token);
                        await answer(stream, _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException) { }
                });
            }
        });
    }

    public string Url => $"rest:http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/repo/";

    private static async Task ReadHeadersAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var seen = new StringBuilder();
        var one = new byte[1];
        while (!seen.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0) throw new IOException("closed");
            seen.Append((char)one[0]);
        }
    }

    public static Task WriteAsync(NetworkStream stream, string text, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).AsTask();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients) foreach (var c in _clients) c.Dispose();
    }
}
