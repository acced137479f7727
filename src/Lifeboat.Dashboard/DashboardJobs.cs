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
/// The page's actions and their progress: back up, verify and restore queue their job with the daemon's (one job at a
/// time, the scheduled ones included), and every job's queueing, start, output lines and end go to each open page as
/// server-sent events. It is one of the daemon's job event sinks, and the job executor's output listener.
/// </summary>
public sealed class DashboardJobs : IJobEventSink
{
    public const string Trigger = "dashboard";

    /// <summary>The running job's output lines kept for a page that opens while it runs (its last lines).</summary>
    private const int KeptLines = 500;

    private readonly object _gate = new();
    private readonly List<Channel<string>> _listeners = [];
    private string? _running;
    private Guid? _runningId;
    private readonly Queue<string> _runningLog = new();

    /// <summary>Queues a job (the daemon's <see cref="JobDaemon.Enqueue(JobKind, IReadOnlyList{string}, IReadOnlyList{string}, string)"/>); set once the daemon exists.</summary>
    public Func<JobKind, IReadOnlyList<string>, IReadOnlyList<string>, string, bool>? Enqueue { get; set; }

    /// <summary>The run history in the state database: the page's list of recent jobs and a finished job's log; null: none shown.</summary>
    public JobRunLog? History { get; set; }

    /// <summary>Raised when a job has ended, before the pages are told (the shared repository is read again).</summary>
    public event Action? Finished;

    /// <summary>Queues a backup of the app; false when one is already waiting.</summary>
    public bool BackUp(string app) => Queue(JobKind.Backup, [app], []);

    /// <summary>Queues a job with its options (before its apps); false when the same job is already waiting.</summary>
    public bool Queue(JobKind kind, IReadOnlyList<string> apps, IReadOnlyList<string> options)
    {
        var enqueue = Enqueue ?? throw new DashboardException("jobs cannot be started here");
        if (!enqueue(kind, apps, options, Trigger)) return false;
        Publish(Event(null, kind.ToString().ToLowerInvariant(), apps, Trigger, "queued", null, null));
        return true;
    }

    public Task JobStartedAsync(JobRun run, CancellationToken cancellationToken)
    {
        var line = Event(run.Id, run.Name, run.Apps, run.Trigger, "running", null, null);
        lock (_gate)
        {
            _running = line;
            _runningId = run.Id;
            _runningLog.Clear();
        }
        Publish(line);
        return Task.CompletedTask;
    }

    public Task JobFinishedAsync(JobResult result, CancellationToken cancellationToken)
    {
        var run = result.Run;
        lock (_gate)
        {
            _running = null;
            _runningId = null;
            _runningLog.Clear();
        }
        Finished?.Invoke();
        Publish(Event(run.Id, run.Name, run.Apps, run.Trigger, "done", result.Outcome.ToString().ToLowerInvariant(), result.Summary));
        return Task.CompletedTask;
    }

    /// <summary>One line of the running job's output (the executor's <see cref="ChildProcessJobExecutor.OutputLine"/>): to every open page.</summary>
    public void Output(string line, bool isError)
    {
        string data;
        lock (_gate)
        {
            if (_runningId is not { } id) return;
            data = LogEvent(id, line, isError);
            _runningLog.Enqueue(data);
            while (_runningLog.Count > KeptLines) _runningLog.Dequeue();
        }
        Publish(data);
    }

    /// <summary>The running job's ID, if one runs.</summary>
    public Guid? RunningId
    {
        get { lock (_gate) return _runningId; }
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
        string[] log;
        lock (_gate)
        {
            _listeners.Add(channel);
            running = _running;
            log = _runningLog.ToArray();
        }
        try
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            await WriteAsync(context, ": lifeboat job events\n\n", ct).ConfigureAwait(false);
            if (running is not null) await WriteAsync(context, $"data: {running}\n\n", ct).ConfigureAwait(false);
            // the lines the running job wrote before this page opened
            foreach (var line in log) await WriteAsync(context, $"data: {line}\n\n", ct).ConfigureAwait(false);
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

    /// <summary>{"id","log","error"}: one line of a running job's output.</summary>
    private static string LogEvent(Guid id, string line, bool isError)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", id.ToString());
            // a progress line redrawn with carriage returns: its last state
            var text = line.TrimEnd('\r');
            if (text.LastIndexOf('\r') is var cr and >= 0) text = text[(cr + 1)..];
            w.WriteString("log", JsonResponse.Text(text));
            if (isError) w.WriteBoolean("error", true);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
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
