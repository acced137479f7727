using System.Text.Json.Serialization;

namespace Lifeboat.Stack.Verification;

/// <summary>One app's restore test, as <c>lifeboat verify</c> records it and <c>doctor</c> (later the dashboard) reads it.</summary>
public sealed record RestoreTestRecord
{
    /// <summary>When the test finished.</summary>
    [JsonPropertyName("time")] public required DateTimeOffset Time { get; init; }
    [JsonPropertyName("app")] public required string App { get; init; }
    [JsonPropertyName("host")] public required string Host { get; init; }
    /// <summary>The full ID of the snapshot restored.</summary>
    [JsonPropertyName("snapshot")] public required string SnapshotId { get; init; }
    [JsonPropertyName("snapshot_time")] public required DateTimeOffset SnapshotTime { get; init; }
    /// <summary>The share of the snapshot's files restored, in percent (100 for a full test).</summary>
    [JsonPropertyName("sample_percent")] public double SamplePercent { get; init; } = 100;
    [JsonPropertyName("files")] public long Files { get; init; }
    [JsonPropertyName("bytes")] public long Bytes { get; init; }
    /// <summary>Restored files also compared with the live source because it had not changed since the snapshot.</summary>
    [JsonPropertyName("files_compared_live")] public long FilesComparedLive { get; init; }
    /// <summary>SQLite databases that passed PRAGMA integrity_check.</summary>
    [JsonPropertyName("databases")] public long Databases { get; init; }
    [JsonPropertyName("duration_seconds")] public double DurationSeconds { get; init; }
    [JsonPropertyName("passed")] public required bool Passed { get; init; }
    /// <summary>One line per problem, each naming the file; empty when the test passed. At most MaxProblems are kept.</summary>
    [JsonPropertyName("problems")] public IReadOnlyList<string> Problems { get; init; } = [];
    /// <summary>How many problems were found (more than Problems holds when a damaged pack touched many files).</summary>
    [JsonPropertyName("problem_count")] public long ProblemCount { get; init; }

    /// <summary>The checks of the snapshot's database dumps (a failed one is also among <see cref="Problems"/>); absent when it has none.</summary>
    [JsonPropertyName("dumps")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Dumps.DumpCheckRecord>? Dumps { get; init; }

    /// <summary>
    /// In verify's --json output of a stack with an offsite repository: "primary" or "offsite". Not kept in the history,
    /// which is one per repository.
    /// </summary>
    [JsonPropertyName("repository")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Repository { get; init; }

    /// <summary>A damaged pack can touch thousands of files: the record keeps the first ones, and the count.</summary>
    public const int MaxProblems = 100;
}
