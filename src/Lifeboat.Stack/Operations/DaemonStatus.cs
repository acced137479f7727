using System.Text;
using System.Text.Json;

namespace Lifeboat.Stack.Operations;

/// <summary>What the daemon is doing, for GET /healthz.</summary>
/// <param name="Running">The job running now, or null.</param>
/// <param name="Queued">The jobs waiting, in order.</param>
/// <param name="NextRuns">Each scheduled job with its next due time.</param>
public sealed record DaemonStatus(JobRun? Running, IReadOnlyList<string> Queued, IReadOnlyList<(string Job, DateTimeOffset? Next)> NextRuns)
{
    /// <summary>{"status":"ok","running":{...}|null,"queue_length":N,"queued":[...],"next_runs":[{"job":..,"at":..}]}</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", "ok");
            if (Running is null) json.WriteNull("running");
            else
            {
                json.WriteStartObject("running");
                json.WriteString("job", Running.Name);
                json.WriteStartArray("apps");
                foreach (var app in Running.Apps) json.WriteStringValue(app);
                json.WriteEndArray();
                json.WriteString("trigger", Running.Trigger);
                json.WriteString("started", Running.StartedAt);
                json.WriteEndObject();
            }
            json.WriteNumber("queue_length", Queued.Count);
            json.WriteStartArray("queued");
            foreach (var job in Queued) json.WriteStringValue(job);
            json.WriteEndArray();
            json.WriteStartArray("next_runs");
            foreach (var (job, next) in NextRuns)
            {
                json.WriteStartObject();
                json.WriteString("job", job);
                if (next is { } at) json.WriteString("at", at);
                else json.WriteNull("at");
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
