using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Trees;
using Lifeboat.Stack.Reading;

namespace Lifeboat.Cli.Commands;

public sealed class LsCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var snapshot = new Argument<string>("snapshotID|APP") { Description = "the snapshot to list, or \"latest\"; with a lifeboat.yaml: the app (or \"latest\" for the app that holds the directories)" };
        var dirs = new Argument<string[]>("dir") { Arity = ArgumentArity.ZeroOrMore, Description = "only list these directories (absolute paths in the snapshot)" };
        var longFormat = new Option<bool>("--long", "-l") { Description = "use a long listing format showing size and mode" };
        var recursive = new Option<bool>("--recursive") { Description = "include files in subfolders of the listed directories" };
        var sort = new Option<string>("--sort", "-s") { Description = "sort output by (name|size|time=mtime|atime|ctime|extension)", DefaultValueFactory = _ => "name" };
        var reverse = new Option<bool>("--reverse") { Description = "reverse sorted output" };
        var humanReadable = new Option<bool>("--human-readable") { Description = "print sizes in human readable format" };
        var ncdu = new Option<bool>("--ncdu") { Description = "output NCDU export format (pipe into 'ncdu -f -')" };
        var filter = new SnapshotFilterOptions();
        var stackOptions = new Stack.StackReadOptions();
        var command = new Command("ls", """
            List files in a snapshot

            With a lifeboat.yaml (stack mode, no -r): ls APP [--snapshot ID|--at TIME] [DIR...] lists the app's newest
            snapshot (or the one chosen); ls latest DIR lists the latest of the app whose paths hold DIR.
            Example: lifeboat ls sonarr --at "3 days ago" /mnt/projects/sonarr/config
            """) { snapshot, dirs, longFormat, recursive, sort, reverse, ncdu, humanReadable };
        filter.AddTo(command);
        stackOptions.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var listed = parse.GetValue(dirs) ?? [];
            var order = SortOrder(parse.GetValue(sort)!);
            bool ncduExport = parse.GetValue(ncdu);
            // restic 0.18's checks, before the repository is opened
            if (ncduExport && ctx.Json) throw new CliException("only either '--json' or '--ncdu' can be specified");
            if (ncduExport && order is not null) throw new CliException("--sort and --ncdu are mutually exclusive");
            if (ncduExport && parse.GetValue(reverse)) throw new CliException("--reverse and --ncdu are mutually exclusive");
            StackReading? reading = null;
            AppSnapshotChoice? choice = null;
            if (ctx.StackConfig is { } stack)
            {
                reading = new StackReading(stack, "ls");
                choice = reading.Choose(parse.GetValue(snapshot)!, listed, stackOptions.SnapshotValue(parse), stackOptions.AtValue(parse), !filter.Get(parse).IsEmpty);
                if (choice is { Inferred: false })
                    foreach (var dir in listed) reading.RequireInApp(choice.App, dir);
            }
            else stackOptions.RejectOutsideStackMode(parse, "ls");
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
            var sn = choice is null
                ? await repo.FindSnapshotAsync(parse.GetValue(snapshot)!, filter.Get(parse), ct)
                : await StackReading.ChooseSnapshotAsync(repo, choice, filter.Get(parse), ct);
            var listing = new SnapshotListing(repo, listed, parse.GetValue(recursive));
            if (choice is not null)
            {
                // restic lists nothing for a directory the snapshot lacks; an app's reader is told where it looked
                foreach (var dir in listing.Directories)
                    if (dir != "/" && await repo.FindNodeAsync(sn.Tree, dir, ct) is null)
                        throw await reading!.PathNotInSnapshotAsync(repo, choice.App, sn, dir, ct);
            }
            if (ncduExport)
            {
                var export = new NcduExport(ctx.Out);
                export.Begin(sn);
                await listing.ListWithDirectoriesOnTheWayAsync(sn.Tree, export.Node, ct);
                export.End();
                return ExitCodes.Ok;
            }
            if (ctx.Json)
                // restic's lsSnapshot: the snapshot's own JSON, then id, short_id and struct_type
                JsonOutput.Line(w => SnapshotsCommand.WriteSnapshot(w, sn, structType: "snapshot"));
            else if (!ctx.Quiet)
                ctx.Error.WriteLine($"{(choice is null ? "" : choice.App.Name + ": ")}snapshot {sn.Id.ToShortString()} of [{string.Join(" ", (sn.Paths ?? []).Select(Display.Text))}] at {sn.Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss.fffffff zzz}:");
            bool longListing = parse.GetValue(longFormat), human = parse.GetValue(humanReadable);
            if (order is null && !parse.GetValue(reverse))
            {
                await listing.ListAsync(sn.Tree, (node, path) => Print(node, path, ctx, longListing, human), ct);
                return ExitCodes.Ok;
            }
            // restic 0.18's --sort and --reverse: everything listed first, then sorted (stably: ties keep the tree's order)
            var all = new List<(Node Node, string Path)>();
            await listing.ListAsync(sn.Tree, (node, path) => all.Add((node, path)), ct);
            var sorted = order is null ? all : [.. all.OrderBy(item => item, order)];
            if (parse.GetValue(reverse)) sorted.Reverse();
            foreach (var (node, path) in sorted) Print(node, path, ctx, longListing, human);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>restic's ls --sort keys; null for "name", the tree's own order.</summary>
    private static Comparer<(Node Node, string Path)>? SortOrder(string key) => key switch
    {
        "name" => null,
        "size" => Comparer<(Node Node, string Path)>.Create((a, b) => a.Node.Size.CompareTo(b.Node.Size)),
        "time" or "mtime" => Comparer<(Node Node, string Path)>.Create((a, b) => a.Node.ModTime.UnixNanoseconds.CompareTo(b.Node.ModTime.UnixNanoseconds)),
        "atime" => Comparer<(Node Node, string Path)>.Create((a, b) => a.Node.AccessTime.UnixNanoseconds.CompareTo(b.Node.AccessTime.UnixNanoseconds)),
        "ctime" => Comparer<(Node Node, string Path)>.Create((a, b) => a.Node.ChangeTime.UnixNanoseconds.CompareTo(b.Node.ChangeTime.UnixNanoseconds)),
        "extension" => Comparer<(Node Node, string Path)>.Create((a, b) => string.CompareOrdinal(Extension(a.Path), Extension(b.Path))),
        _ => throw new CliException($"invalid argument \"{key}\" for \"-s, --sort\" flag: invalid sort mode \"{key}\", must be one of (name|size|time=mtime|atime|ctime|extension)"),
    };

    /// <summary>Go's filepath.Ext: from the last dot of the last element, "" without one.</summary>
    private static string Extension(string path)
    {
        for (int i = path.Length - 1; i >= 0 && path[i] != '/'; i--)
            if (path[i] == '.') return path[i..];
        return "";
    }

    private static void Print(Node node, string path, CommandContext ctx, bool longFormat, bool humanReadable)
    {
        if (ctx.Json)
        {
            JsonOutput.Line(w =>
            {
                w.WriteStartObject();
                w.WriteString("name", Display.Text(node.Name));
                w.WriteString("type", node.Type);
                w.WriteString("path", Display.Text(path));
                w.WriteNumber("uid", node.Uid);
                w.WriteNumber("gid", node.Gid);
                if (node.Type == NodeType.File) w.WriteNumber("size", node.Size);
                w.WriteNumber("mode", node.Mode);
                w.WriteString("permissions", GoFileMode.Format(node.Mode));
                w.WriteString("mtime", node.ModTime.ToString());
                w.WriteString("atime", node.AccessTime.ToString());
                w.WriteString("ctime", node.ChangeTime.ToString());
                // restic 0.17+: the inode (left out when zero), and message_type beside the deprecated struct_type
                if (node.Inode != 0) w.WriteNumber("inode", node.Inode);
                w.WriteString("message_type", "node");
                w.WriteString("struct_type", "node");
                w.WriteEndObject();
            });
            return;
        }
        ctx.Out.WriteLine(FindOutput.FormatNode(path, node, longFormat, humanReadable));
    }
}
