using System.CommandLine;
using System.Text.Json;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;

namespace Lifeboat.Cli.Commands;

/// <summary>restic's find by name pattern; --blob, --tree and --pack are not supported yet.</summary>
public sealed class FindCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var patterns = new Argument<string[]>("PATTERN") { Arity = ArgumentArity.OneOrMore };
        var snapshotIds = new Option<string[]>("--snapshot", "-s") { Description = "snapshot id to search in (can be given multiple times)" };
        var ignoreCase = new Option<bool>("--ignore-case", "-i") { Description = "ignore case for pattern" };
        var longFormat = new Option<bool>("--long", "-l") { Description = "use a long listing format showing size and mode" };
        var blob = new Option<bool>("--blob") { Description = "pattern is a blob-ID (not supported yet)" };
        var tree = new Option<bool>("--tree") { Description = "pattern is a tree-ID (not supported yet)" };
        var pack = new Option<bool>("--pack") { Description = "pattern is a pack-ID (not supported yet)" };
        var filter = new SnapshotFilterOptions();
        var command = new Command("find", "Find a file, a directory or restic IDs") { patterns, snapshotIds, ignoreCase, longFormat, blob, tree, pack };
        filter.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            if (parse.GetValue(blob) || parse.GetValue(tree) || parse.GetValue(pack))
                throw new CliException("find --blob, --tree and --pack are not supported by this version of Lifeboat");
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct);
            var wanted = parse.GetValue(snapshotIds) ?? [];
            var snapshots = await StatsCommand.SelectSnapshotsAsync(repo, wanted, filter.Get(parse), ct);
            if (wanted.Length == 0) snapshots = snapshots.OrderBy(s => s.Id).ToList();
            var walker = new FindWalker(repo, parse.GetValue(patterns) ?? [], parse.GetValue(ignoreCase));
            var results = new List<(Snapshot Snapshot, List<(string Path, Node Node)> Matches)>();
            bool first = true;
            foreach (var sn in snapshots)
            {
                var matches = await walker.FindAsync(sn, ct);
                if (matches.Count == 0) continue;
                if (ctx.Json) { results.Add((sn, matches)); continue; }
                if (!first) ctx.Info("");
                first = false;
                ctx.Info($"Found matching entries in snapshot {sn.Id.ToShortString()} from {sn.Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss}");
                foreach (var (path, node) in matches) ctx.Out.WriteLine(FormatNode(path, node, parse.GetValue(longFormat)));
            }
            if (ctx.Json)
            {
                JsonOutput.Line(w =>
                {
                    w.WriteStartArray();
                    foreach (var (sn, matches) in results)
                    {
                        w.WriteStartObject();
                        w.WriteStartArray("matches");
                        foreach (var (path, node) in matches) WriteMatch(w, path, node);
                        w.WriteEndArray();
                        w.WriteNumber("hits", matches.Count);
                        w.WriteString("snapshot", sn.Id.ToString());
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>restic's formatNode: the path, or with --long mode, uid, gid, size and mtime.</summary>
    private static string FormatNode(string path, Node node, bool longFormat)
    {
        if (!longFormat) return Display.Text(path);
        var target = node.Type == NodeType.Symlink ? " -> " + Display.Text(node.LinkTarget ?? "") : "";
        return $"{GoFileMode.Format(node.Mode)} {node.Uid,5} {node.Gid,5} {node.Size,6} {node.ModTime.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss} {Display.Text(path)}{target}";
    }

    /// <summary>A match as restic's find --json shows it: path and permissions, then the node without name, inode, xattrs, subtree and content.</summary>
    private static void WriteMatch(Utf8JsonWriter w, string path, Node node)
    {
        using var doc = JsonDocument.Parse(node.ToJson());
        w.WriteStartObject();
        w.WriteString("path", Display.Text(path));
        w.WriteString("permissions", GoFileMode.Format(node.Mode));
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name is "name" or "inode" or "extended_attributes" or "subtree" or "content") continue;
            p.WriteTo(w);
        }
        w.WriteEndObject();
    }
}
