using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Lifeboat.Stack.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Lifeboat.Dashboard;

/// <summary>
/// The page's actions and their progress: "back up now" queues the job with the daemon's (one job at a time, the
/// scheduled ones included), and every job's queueing, start and end goes to each open page as a server-sent event.
/// It is one of the daemon's job event sinks.
/// </summary>
public sealed class DashboardJobs : IJobEventSink
{
    public const string Trigger = "dashboard";

    private readonly object _gate = new();
    private readonly List<Channel<string>> _listeners = [];
    private string? _running;

    /// <summary>Queues a job (the daemon's <see cref="JobDaemon.Enqueue"/>); set once the daemon exists.</summary>
    public Func<JobKind, IReadOnlyList<string>, string, bool>? Enqueue { get; set; }

    /// <summary>Queues a backup of the app; false when one is already waiting.</summary>
    public bool BackUp(string app)
    {
        var enqueue = Enqueue ?? throw new DashboardException("jobs cannot be started here");
        if (!enqueue(JobKind.Backup, [app], Trigger)) return false;
        Publish(Event(null, "backup", [app], Trigger, "queued", null, null));
        return true;
    }

    public Task JobStartedAsync(JobRun run, CancellationToken cancellationToken)
    {
        var line = Event(run.Id, run.Name, run.Apps, run.Trigger, "running", null, null);
        lock (_gate) _running = line;
        Publish(line);
        return Task.CompletedTask;
    }

    public Task JobFinishedAsync(JobResult result, CancellationToken cancellationToken)
    {
        var run = result.Run;
        lock (_gate) _running = null;
        Publish(Event(run.Id, run.Name, run.Apps, run.Trigger, "done", result.Outcome.ToString().ToLowerInvariant(), result.Summary));
        return Task.CompletedTask;
    }

    /// <summary>GET /api/events: the running job at once, then every event until the page goes; a comment every 20 s keeps proxies from closing it.</summary>
    public async Task StreamAsync(HttpContext context)
    {
        // ends when the page goes, and when the server stops: an open page must not hold up a SIGTERM
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var ct = both.Token;
        // a page that stops reading loses old events, not the server's memory
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(100) { FullMode = BoundedChannelFullMode.DropOldest });
        string? running;
        lock (_gate)
        {
            _listeners.Add(channel);
            running = _running;
        }
        try
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            await WriteAsync(context, ": lifeboat job events\n\n", ct).ConfigureAwait(false);
            if (running is not null) await WriteAsync(context, $"data: {running}\n\n", ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(TimeSpan.FromSeconds(20));
                string text;
                try
                {
                    text = await channel.Reader.ReadAsync(wait.Token).ConfigureAwait(false) is { } line ? $"data: {line}\n\n" : "";
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    text = ": still here\n\n";
                }
                await WriteAsync(context, text, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_gate) _listeners.Remove(channel);
        }
    }

    private static async Task WriteAsync(HttpContext context, string text, CancellationToken ct)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    private void Publish(string line)
    {
        lock (_gate)
            foreach (var listener in _listeners) listener.Writer.TryWrite(line);
    }

    /// <summary>{"id","job","apps","trigger","state":"queued|running|done","outcome","summary"} on one line.</summary>
    private static string Event(Guid? id, string job, IReadOnlyList<string> apps, string trigger, string state, string? outcome, string? summary)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (id is { } run) w.WriteString("id", run.ToString());
            w.WriteString("job", job);
            w.WriteStartArray("apps");
            foreach (var app in apps) w.WriteStringValue(app);
            w.WriteEndArray();
            w.WriteString("trigger", trigger);
            w.WriteString("state", state);
            if (outcome is not null) w.WriteString("outcome", outcome);
            // one line: an event's data may not hold a line break
            if (summary is not null) w.WriteString("summary", summary.ReplaceLineEndings(" "));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
