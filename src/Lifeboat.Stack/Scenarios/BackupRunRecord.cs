using System.Text.Json.Serialization;

namespace Lifeboat.Stack.Scenarios;

/// <summary>How one app's backup run ended, as the stack backup records it and <c>doctor</c> reads it.</summary>
public sealed record BackupRunRecord
{
    public const string Ok = "ok";
    /// <summary>A snapshot was written, but some items could not be read (exit code 3); the snapshot is tagged partial.</summary>
    public const string Partial = "partial";
    /// <summary>No snapshot was written.</summary>
    public const string Failed = "failed";

    /// <summary>When the run finished.</summary>
    [JsonPropertyName("time")] public required DateTimeOffset Time { get; init; }
    [JsonPropertyName("app")] public required string App { get; init; }
    [JsonPropertyName("host")] public required string Host { get; init; }
    /// <summary><see cref="Ok"/>, <see cref="Partial"/> or <see cref="Failed"/>.</summary>
    [JsonPropertyName("outcome")] public required string Outcome { get; init; }
    /// <summary>The full ID of the snapshot written; null when the run failed.</summary>
    [JsonPropertyName("snapshot")] public string? SnapshotId { get; init; }
    /// <summary>Why it failed, or how many items could not be read, in one line.</summary>
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("duration_seconds")] public double DurationSeconds { get; init; }
    /// <summary>The files in the snapshot (new, changed and unmodified); 0 when the run failed, null in records of older versions.</summary>
    [JsonPropertyName("files")] public long? Files { get; init; }
    /// <summary>The bytes of new data the run added to the repository (before compression); null in records of older versions.</summary>
    [JsonPropertyName("bytes_added")] public long? BytesAdded { get; init; }
    /// <summary>The full path of the lifeboat.yaml the run was made with; null in records of older versions.</summary>
    [JsonPropertyName("config")] public string? Config { get; init; }

    public static BackupRunRecord From(AppBackupResult result, string host, DateTimeOffset time) => new()
    {
        Time = time,
        App = result.App,
        Host = host,
        Outcome = result.Failed ? Failed : result.IsPartial ? Partial : Ok,
        SnapshotId = result.SnapshotId?.ToString(),
        Error = result.Error ?? (result.IsPartial ? $"{result.Backup!.Statistics.Errors} items could not be read" : null),
        DurationSeconds = result.Duration.TotalSeconds,
        Files = result.Files,
        BytesAdded = result.BytesAdded,
    };
}
