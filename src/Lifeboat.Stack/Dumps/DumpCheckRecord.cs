using System.Text.Json.Serialization;

namespace Lifeboat.Stack.Dumps;

/// <summary>verify's check of one dump file of the snapshot, as its record (and --json) keeps it.</summary>
public sealed record DumpCheckRecord
{
    /// <summary>The file's path in the snapshot: /lifeboat-dumps/NAME/FILE.</summary>
    [JsonPropertyName("path")] public required string Path { get; init; }

    /// <summary>The database it holds; absent for all databases or a command's output.</summary>
    [JsonPropertyName("database")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Database { get; init; }

    [JsonPropertyName("bytes")] public long Bytes { get; init; }

    /// <summary>How it was checked: "pg_restore" (read whole by the tool), "text" (header and completion line), "read" (read whole, not empty).</summary>
    [JsonPropertyName("check")] public required string Check { get; init; }

    /// <summary>The scratch database it was loaded into, when the entry has one.</summary>
    [JsonPropertyName("scratch_database")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ScratchDatabase { get; init; }

    /// <summary>The tables the scratch database held after the load.</summary>
    [JsonPropertyName("scratch_tables")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ScratchTables { get; init; }

    [JsonPropertyName("passed")] public required bool Passed { get; init; }

    /// <summary>What is wrong with it; absent when it passed.</summary>
    [JsonPropertyName("problem")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Problem { get; init; }
}
