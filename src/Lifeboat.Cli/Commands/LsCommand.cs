using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Trees;

namespace Lifeboat.Cli.Commands;

public sealed class LsCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var snapshot = new Argument<string>("snapshotID") { Description = "the snapshot to list, or \"latest\"" };
        var dirs = new Argument<string[]>("dir") { Arity = ArgumentArity.ZeroOrMore, Description = "only list these directories (absolute paths in the snapshot)" };
        var longFormat = new Option<bool>("--long", "-l") { Description = "use a long listing format showing size and mode" };
        var recursive = new Option<bool>("--recursive") { Description = "include files in subfolders of the listed directories" };
        var filter = new SnapshotFilterOptions();
        var command = new Command("ls", "List files in a snapshot") { snapshot, dirs, longFormat, recursive };
        filter.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
            var sn = await repo.FindSnapshotAsync(parse.GetValue(snapshot)!, filter.Get(parse), ct);
            var listing = new SnapshotListing(repo, parse.GetValue(dirs) ?? [], parse.GetValue(recursive));
            if (ctx.Json)
                JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("time", sn.Time.ToString());
                    if (sn.Parent is { } p) w.WriteString("parent", p.ToString());
                    w.WriteString("tree", sn.Tree.ToString());
                    w.WriteStartArray("paths");
                    foreach (var path in sn.Paths ?? []) w.WriteStringValue(Display.Text(path));
                    w.WriteEndArray();
                    w.WriteString("hostname", sn.Hostname);
                    w.WriteString("username", sn.Username);
                    w.WriteNumber("uid", sn.Uid);
                    w.WriteNumber("gid", sn.Gid);
                    w.WriteString("id", sn.Id.ToString());
                    w.WriteString("short_id", sn.Id.ToShortString());
                    w.WriteString("struct_type", "snapshot");
                    w.WriteEndObject();
                });
            else if (!ctx.Quiet)
                ctx.Error.WriteLine($"snapshot {sn.Id.ToShortString()} of [{string.Join(" ", (sn.Paths ?? []).Select(Display.Text))}] at {sn.Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss.fffffff zzz}:");
            bool longListing = parse.GetValue(longFormat);
            await listing.ListAsync(sn.Tree, (node, path) => Print(node, path, ctx, longListing), ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static void Print(Node node, string path, CommandContext ctx, bool longFormat)
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
                w.WriteString("struct_type", "node");
                w.WriteEndObject();
            });
            return;
        }
        if (!longFormat)
        {
            ctx.Out.WriteLine(Display.Text(path));
            return;
        }
        var target = node.Type == NodeType.Symlink ? " -> " + Display.Text(node.LinkTarget ?? "") : "";
        ctx.Out.WriteLine($"{GoFileMode.Format(node.Mode)} {node.User ?? node.Uid.ToString(),5} {node.Group ?? node.Gid.ToString(),5} {node.Size,10} {node.ModTime.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss} {Display.Text(path)}{target}");
    }
}
