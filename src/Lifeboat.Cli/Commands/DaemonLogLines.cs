using System.Globalization;
using System.Text;
using System.Text.Json;
using Lifeboat.Stack.Operations;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// The daemon's log: one line per job start and end and per daemon message, on stdout (the container convention),
/// plain text or, with --json, one JSON object per line. A write that fails (a closed pipe) is dropped: the log
/// must never stop a job.
/// </summary>
public sealed class DaemonLogLines(TextWriter output, bool json, TimeProvider? time = null) : IJobEventSink, IDaemonLog
{
    private readonly object _gate = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public Task JobStartedAsync(JobRun run, CancellationToken cancellationToken)
    {
        Write(json
            ? Json(run.StartedAt, "start", w => WriteRun(w, run))
            : $"{Stamp(run.StartedAt)} start {Label(run)} ({run.Trigger})");
        return Task.CompletedTask;
    }

    public Task JobFinishedAsync(JobResult result, CancellationToken cancellationToken)
    {
        var outcome = result.Outcome.ToString().ToLowerInvariant();
        Write(json
            ? Json(result.FinishedAt, "end", w =>
            {
                WriteRun(w, result.Run);
                w.WriteString("outcome", outcome);
                w.WriteNumber("exit_code", result.ExitCode);
                w.WriteNumber("duration_seconds", Math.Round(result.Duration.TotalSeconds, 3));
                w.WriteString("summary", result.Summary);
            })
            : $"{Stamp(result.FinishedAt)} end {Label(result.Run)}: {outcome} in {result.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s (exit {result.ExitCode}): {result.Summary}");
        return Task.CompletedTask;
    }

    public void Info(string message) => Message("info", message);

    public void Warn(string message) => Message("warning", message);

    private void Message(string level, string message)
    {
        var now = _time.GetUtcNow();
        Write(json
            ? Json(now, level, w => w.WriteString("message", message))
            : $"{Stamp(now)} {(level == "info" ? "" : level + ": ")}{message}");
    }

    private static string Label(JobRun run) => run.Apps.Count == 0 ? run.Name : $"{run.Name} {string.Join(',', run.Apps)}";

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void WriteRun(Utf8JsonWriter w, JobRun run)
    {
        w.WriteString("job", run.Name);
        w.WriteStartArray("apps");
        foreach (var app in run.Apps) w.WriteStringValue(app);
        w.WriteEndArray();
        w.WriteString("trigger", run.Trigger);
        w.WriteString("run", run.Id.ToString("N"));
    }

    private static string Json(DateTimeOffset at, string evt, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("time", at.UtcDateTime);
            w.WriteString("event", evt);
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            try
            {
                output.WriteLine(line);
                output.Flush();
            }
            catch (IOException)
            {
            }
        }
    }
}
