using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// What an in-place restore of one app does, given the dumps its snapshot holds and the user's choice: whether the
/// files are restored, and which dumps are loaded into which database. Every mistake (no choice made while there are
/// dumps, a --target-database that names no dump) is found here, before anything is written.
/// </summary>
public sealed record DumpPlan
{
    public required bool RestoresFiles { get; init; }

    public required IReadOnlyList<DumpLoad> Loads { get; init; }

    /// <summary>Dump files of the snapshot that are not loaded, and why (the entry is gone, --no-dumps, ...).</summary>
    public required IReadOnlyList<string> Skipped { get; init; }

    /// <summary>The plan, or a <see cref="StackException"/> saying why there is none (nothing has been done then).</summary>
    public static DumpPlan Make(AppConfig app, Snapshot snapshot, SnapshotDumps dumps, DumpRestoreChoice choice)
    {
        var which = $"snapshot {snapshot.Id.ToShortString()} of app {app.Name}";
        if (!dumps.Any)
        {
            if (choice.Mode == DumpRestoreMode.DumpsOnly)
                throw new StackException($"{which} holds no database dumps: nothing to load (without --dumps-only, the files are restored)");
            if (choice.TargetDatabases.Count > 0)
                throw new StackException($"--target-database: {which} holds no database dumps to load");
            return new DumpPlan { RestoresFiles = true, Loads = [], Skipped = [] };
        }
        switch (choice.Mode)
        {
            case DumpRestoreMode.Unchosen:
                var names = dumps.Files.Select(f => f.Display).Concat(dumps.Skipped.Select(s => s[..s.IndexOf(':')])).ToList();
                throw new StackException($"{which} holds database dumps ({string.Join(", ", names)}), and loading them replaces what the databases hold now; nothing was restored: "
                    + $"give --replace-databases (the files, then the dumps), --dumps-only --replace-databases (the dumps only), or --no-dumps (the files only)");
            case DumpRestoreMode.FilesOnly:
                return new DumpPlan { RestoresFiles = true, Loads = [], Skipped = dumps.Skipped };
        }
        var targets = Targets(app, dumps.Files, choice.TargetDatabases);
        return new DumpPlan
        {
            RestoresFiles = choice.Mode == DumpRestoreMode.FilesAndDumps,
            Loads = dumps.Files.Select(f => new DumpLoad(f, targets.GetValueOrDefault(f))).ToList(),
            Skipped = dumps.Skipped,
        };
    }

    /// <summary>Each --target-database matched to the one dump file it renames.</summary>
    private static Dictionary<SnapshotDumpFile, string> Targets(AppConfig app, IReadOnlyList<SnapshotDumpFile> files, IReadOnlyList<string> given)
    {
        var targets = new Dictionary<SnapshotDumpFile, string>();
        var single = files.Where(f => f.Database is not null).ToList();
        foreach (var value in given)
        {
            int equals = value.IndexOf('=');
            SnapshotDumpFile file;
            string target;
            if (equals < 0)
            {
                target = value;
                if (single.Count != 1)
                    throw new StackException(single.Count == 0
                        ? $"--target-database {value}: app {app.Name} has no dump of a single database ({NoRenaming(files)})"
                        : $"--target-database {value}: app {app.Name} has {single.Count} database dumps ({string.Join(", ", single.Select(f => f.Display))}): say which one goes where, e.g. --target-database {single[0].Database}={value}");
                file = single[0];
            }
            else
            {
                var old = value[..equals];
                target = value[(equals + 1)..];
                var matches = single.Where(f => f.Database == old).ToList();
                if (matches.Count == 0)
                    throw new StackException(files.Any(f => f.Database is null && f.Format != DumpFileFormat.Command)
                        ? $"--target-database {value}: no dump holds database {old} alone ({NoRenaming(files)})"
                        : $"--target-database {value}: app {app.Name} has no dump of database {old}{(single.Count > 0 ? $" (it has {string.Join(", ", single.Select(f => f.Database))})" : "")}");
                if (matches.Count > 1)
                    throw new StackException($"--target-database {value}: database {old} is dumped by {matches.Count} entries ({string.Join(", ", matches.Select(f => f.Display))}), which --target-database cannot tell apart");
                file = matches[0];
            }
            if (!targets.TryAdd(file, target))
                throw new StackException($"--target-database {value}: {file.Display} already goes into database {targets[file]}");
        }
        return targets;
    }

    private static string NoRenaming(IReadOnlyList<SnapshotDumpFile> files)
    {
        var all = files.Where(f => f.Database is null && f.Format != DumpFileFormat.Command).Select(f => f.Display).ToList();
        return all.Count > 0
            ? $"{string.Join(", ", all)} hold{(all.Count == 1 ? "s" : "")} all databases under their own names and cannot be loaded into another name"
            : "it has no database dumps";
    }
}
