using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>One dump file of an app's snapshot, matched to the lifeboat.yaml entry whose folder it lies in.</summary>
public sealed record SnapshotDumpFile
{
    /// <summary>The file's path in the snapshot: /lifeboat-dumps/NAME/FILE.</summary>
    public required string SnapshotPath { get; init; }

    /// <summary>The file's node (its size and content blobs).</summary>
    public required Node Node { get; init; }

    /// <summary>The config's entry of the same name (the folder's).</summary>
    public required DumpConfig Entry { get; init; }

    public required DumpFileFormat Format { get; init; }

    /// <summary>The database the file holds (from its name); null for all databases or a command's output.</summary>
    public string? Database { get; init; }

    /// <summary>How a message names it: "postgres/immich.pgdump".</summary>
    public string Display => SnapshotPath[(DumpLayout.Root.Length + 1)..];

    /// <summary>The database a message names: "database immich", "all databases", or the command's file.</summary>
    public string DatabaseDisplay => Database is { } database ? $"database {database}" : Format == DumpFileFormat.Command ? "its restore-command" : "all databases";
}
