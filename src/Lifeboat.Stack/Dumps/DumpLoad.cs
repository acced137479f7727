namespace Lifeboat.Stack.Dumps;

/// <summary>One dump file to load, and where: <see cref="TargetDatabase"/> null loads it under the name it was dumped with.</summary>
public sealed record DumpLoad(SnapshotDumpFile File, string? TargetDatabase)
{
    /// <summary>The database it ends up in: the target, else the dumped one (null: all, or a command's).</summary>
    public string? Database => TargetDatabase ?? File.Database;

    /// <summary>"postgres/immich.pgdump into database immich_copy".</summary>
    public string Display => TargetDatabase is null
        ? $"{File.Display} ({File.DatabaseDisplay})"
        : $"{File.Display} into database {TargetDatabase}";
}
