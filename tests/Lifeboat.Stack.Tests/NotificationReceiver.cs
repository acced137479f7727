using Lifeboat.TestSupport;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// An HTTP receiver on 127.0.0.1 for the notification tests: records every request (method, path, query, headers,
/// body) and answers 200, or the statuses queued in <see cref="Answers"/> first.
/// </summary>
public sealed class NotificationReceiver : IDisposable
{
    public sealed record Request(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body);

    private readonly HttpListener _listener;
    private readonly Task _loop;

    public NotificationReceiver()
    {
        // HttpListener cannot bind port 0: a picked port may still be taken before it binds, so a new one is tried.
        (_listener, Port) = LoopbackPort.StartOnFreePort(port =>
        {
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try { listener.Start(); }
            catch { listener.Close(); throw; }
            return (listener, port);
        }, e => e is HttpListenerException);
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url(string path = "") => $"http://127.0.0.1:{Port}/{path.TrimStart('/')}";

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Statuses to answer with, in turn, before answering 200.</summary>
    public ConcurrentQueue<int> Answers { get; } = new();

    /// <summary>Waits until at least <paramref name="count"/> requests arrived (the start may finish in the background).</summary>
    public IReadOnlyList<Request> WaitFor(int count, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (Requests.Count < count && DateTime.UtcNow < deadline) Thread.Sleep(20);
        return Requests.ToArray();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            Requests.Enqueue(new Request(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.Url.Query, headers, body));
            context.Response.StatusCode = Answers.TryDequeue(out var status) ? status : 200;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
