using System.CommandLine;
using System.Formats.Tar;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Trees;
using Lifeboat.Stack.Reading;

namespace Lifeboat.Cli.Commands;

public sealed class DumpCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var snapshot = new Argument<string>("snapshotID|APP") { Description = "the snapshot, or \"latest\"; with a lifeboat.yaml: the app (or \"latest\" for the app that holds the file)" };
        var file = new Argument<string>("file") { Description = "the file or directory (absolute path in the snapshot); a directory is written as a tar archive" };
        var archive = new Option<string>("--archive", "-a") { Description = "set archive format as \"tar\"", DefaultValueFactory = _ => "tar" };
        var filter = new SnapshotFilterOptions();
        var stackOptions = new Stack.StackReadOptions();
        var command = new Command("dump", """
            Print a backed-up file to stdout

            With a lifeboat.yaml (stack mode, no -r): dump APP [--snapshot ID|--at TIME] PATH reads the app's newest
            snapshot (or the one chosen); dump latest PATH reads the latest of the app whose paths hold PATH.
            Example: lifeboat dump sonarr --at yesterday /mnt/projects/sonarr/config/config.xml > config.xml
            """) { snapshot, file, archive };
        filter.AddTo(command);
        stackOptions.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            if (parse.GetValue(archive) != "tar") throw new CliException($"unsupported archive format \"{parse.GetValue(archive)}\": use tar");
            var path = parse.GetValue(file)!.Trim('/');
            StackReading? reading = null;
            AppSnapshotChoice? choice = null;
            if (ctx.StackConfig is { } stack)
            {
                reading = new StackReading(stack, "dump");
                choice = reading.Choose(parse.GetValue(snapshot)!, [path], stackOptions.SnapshotValue(parse), stackOptions.AtValue(parse), !filter.Get(parse).IsEmpty);
                if (choice is { Inferred: false }) reading.RequireInApp(choice.App, path);
            }
            else stackOptions.RejectOutsideStackMode(parse, "dump");
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
            var sn = choice is null
                ? await repo.FindSnapshotAsync(parse.GetValue(snapshot)!, filter.Get(parse), ct)
                : await StackReading.ChooseSnapshotAsync(repo, choice, filter.Get(parse), ct);
            // which snapshot was read, once it is sure to be read (an error names it itself)
            void Announce()
            {
                if (choice is not null && !ctx.Quiet) ctx.Error.WriteLine($"{choice.App.Name}: snapshot {StackReading.Describe(sn)}");
            }
            using var stdout = Console.OpenStandardOutput();
            if (path.Length == 0)
            {
                Announce();
                await WriteTarAsync(repo, sn.Tree, "", stdout, ct);
                return ExitCodes.Ok;
            }
            var node = await repo.FindNodeAsync(sn.Tree, path, ct);
            if (node is null)
            {
                if (choice is not null) throw await reading!.PathNotInSnapshotAsync(repo, choice.App, sn, path, ct);
                throw new CliException($"cannot dump file: path \"/{path}\" not found in snapshot");
            }
            Announce();
            if (node.Type == NodeType.Dir && node.Subtree is { } sub)
                await WriteTarAsync(repo, sub, FsNames.ToBytes(node.Name).Length > 0 ? node.Name : "", stdout, ct);
            else if (node.Type == NodeType.File)
                await WriteContentAsync(repo, node, stdout, ct);
            else throw new CliException($"cannot dump \"/{path}\": it is a {node.Type}, not a file or directory");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static async Task WriteContentAsync(Repository repo, Node node, Stream output, CancellationToken ct)
    {
        foreach (var blob in node.Content ?? [])
            await output.WriteAsync(await repo.LoadBlobAsync(BlobType.Data, blob, ct), ct);
    }

    private static async Task WriteTarAsync(Repository repo, Id tree, string prefix, Stream output, CancellationToken ct)
    {
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await new TreeWalker(repo).WalkAsync(tree, prefix.Length == 0 ? "" : "/" + prefix, new TarVisitor(repo, tar), ct);
    }

    /// <summary>Each node as a tar entry named by its path without the leading slash.</summary>
    private sealed class TarVisitor(Repository repo, TarWriter tar) : ITreeVisitor
    {
        public bool ShouldEnter(in TreeWalkEntry directory) => true;

        public async ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry item, CancellationToken ct)
        {
            var node = item.Node;
            var path = item.Path;
            var display = Rendering.Display.Text(path[1..]);
            PaxTarEntry entry;
            switch (node.Type)
            {
                case NodeType.Dir:
                    entry = new PaxTarEntry(TarEntryType.Directory, display + "/");
                    break;
                case NodeType.Symlink:
                    entry = new PaxTarEntry(TarEntryType.SymbolicLink, display) { LinkName = Rendering.Display.Text(node.LinkTarget ?? "") };
                    break;
                case NodeType.File:
                    entry = new PaxTarEntry(TarEntryType.RegularFile, display);
                    // streamed blob by blob: a database of gigabytes must not be held in memory
                    entry.DataStream = new FileContentStream(repo, node, path);
                    break;
                default:
                    return TreeWalkAction.Continue;
            }
            entry.Mode = (UnixFileMode)(GoFileMode.ToPosixPermissions(node.Mode) & 0xFFF);
            entry.ModificationTime = node.ModTime.ToDateTimeOffset();
            entry.Uid = (int)node.Uid;
            entry.Gid = (int)node.Gid;
            entry.UserName = node.User ?? "";
            entry.GroupName = node.Group ?? "";
            await tar.WriteEntryAsync(entry, ct);
            item.ThrowIfUnreadable();
            return TreeWalkAction.Continue;
        }
    }
}
