using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// The dump files of an app's snapshot (<see cref="DumpLayout"/>), each matched by its folder to the app's dumps: entry of
/// that name. What cannot be matched (an entry no longer in lifeboat.yaml, a file its entry's kind does not write) is
/// kept as a note, not loaded.
/// </summary>
public sealed record SnapshotDumps
{
    public required IReadOnlyList<SnapshotDumpFile> Files { get; init; }

    /// <summary>One line per file that is skipped, and why.</summary>
    public required IReadOnlyList<string> Skipped { get; init; }

    /// <summary>Whether the snapshot holds anything under /lifeboat-dumps at all.</summary>
    public bool Any => Files.Count > 0 || Skipped.Count > 0;

    public static readonly SnapshotDumps None = new() { Files = [], Skipped = [] };

    /// <summary>Reads the snapshot's /lifeboat-dumps folder (two trees deep); nothing of the dumps' content is read.</summary>
    public static async Task<SnapshotDumps> FindAsync(Repo repository, AppConfig app, Snapshot snapshot, CancellationToken cancellationToken)
    {
        var root = await repository.FindNodeAsync(snapshot.Tree, DumpLayout.Root, cancellationToken).ConfigureAwait(false);
        if (root is not { Type: NodeType.Dir, Subtree: { } rootTree }) return None;
        var files = new List<SnapshotDumpFile>();
        var skipped = new List<string>();
        foreach (var folder in (await repository.LoadTreeAsync(rootTree, cancellationToken).ConfigureAwait(false)).Nodes)
        {
            if (folder is not { Type: NodeType.Dir, Subtree: { } folderTree }) continue;
            var entry = app.Dumps.FirstOrDefault(d => d.Name == folder.Name);
            foreach (var file in (await repository.LoadTreeAsync(folderTree, cancellationToken).ConfigureAwait(false)).Nodes)
            {
                if (file.Type != NodeType.File) continue;
                var path = $"{DumpLayout.Root}/{folder.Name}/{file.Name}";
                if (entry is null)
                {
                    skipped.Add($"{path[(DumpLayout.Root.Length + 1)..]}: apps.{app.Name}.dumps has no entry named {folder.Name} any more: skipped (get the file with `lifeboat dump {app.Name} {path}`)");
                    continue;
                }
                if (Classify(entry, file.Name) is not { } classified)
                {
                    skipped.Add($"{path[(DumpLayout.Root.Length + 1)..]}: not a file a {entry.KindName} dump writes: skipped (get the file with `lifeboat dump {app.Name} {path}`)");
                    continue;
                }
                files.Add(new SnapshotDumpFile { SnapshotPath = path, Node = file, Entry = entry, Format = classified.Format, Database = classified.Database });
            }
        }
        return new SnapshotDumps { Files = files, Skipped = skipped };
    }

    /// <summary>What a file of the entry's folder holds, by its name; null when the entry's kind does not write such a file.</summary>
    public static (DumpFileFormat Format, string? Database)? Classify(DumpConfig entry, string fileName) => entry.Kind switch
    {
        DumpKind.Command => (DumpFileFormat.Command, null),
        DumpKind.Postgres when fileName == "all.sql" => (DumpFileFormat.PostgresAll, null),
        DumpKind.Postgres when fileName.EndsWith(".pgdump", StringComparison.Ordinal) && fileName.Length > ".pgdump".Length
            => (DumpFileFormat.PostgresCustom, fileName[..^".pgdump".Length]),
        DumpKind.MariaDb when fileName == "all.sql" => (DumpFileFormat.MariaDbAll, null),
        DumpKind.MariaDb when fileName.EndsWith(".sql", StringComparison.Ordinal) && fileName.Length > ".sql".Length
            => (DumpFileFormat.MariaDbDatabase, fileName[..^".sql".Length]),
        _ => null,
    };
}
