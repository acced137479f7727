using Lifeboat.Engine;

namespace Lifeboat.Stack.Configuration;

/// <summary>
/// Where dumps lie inside an app's snapshot, a documented, fixed layout: /lifeboat-dumps/NAME/FILE, beside the app's own
/// paths. FILE is DATABASE.pgdump (pg_dump's custom format), all.sql (pg_dumpall), DATABASE.sql or all.sql
/// (mariadb-dump), or the command's file name.
/// </summary>
public static class DumpLayout
{
    /// <summary>The folder at the snapshot's root that holds every dump; no app path may lie under it.</summary>
    public const string Root = "/lifeboat-dumps";

    /// <summary>The snapshot path of each file the entry writes, with the database it holds (null: all, or a command's output).</summary>
    public static IReadOnlyList<(string SnapshotPath, string? Database)> Files(DumpConfig dump) => dump.Kind switch
    {
        DumpKind.Command => [(PathOf(dump, dump.FileName ?? dump.Name + ".dump"), null)],
        _ when dump.AllDatabases => [(PathOf(dump, "all.sql"), null)],
        DumpKind.Postgres => dump.Databases.Select(db => (PathOf(dump, db + ".pgdump"), (string?)db)).ToList(),
        _ => dump.Databases.Select(db => (PathOf(dump, db + ".sql"), (string?)db)).ToList(),
    };

    public static string PathOf(DumpConfig dump, string file) => GoPath.Clean($"{Root}/{dump.Name}/{file}");
}
