using System.CommandLine;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Stack.Reading;

namespace Lifeboat.Cli.Commands;

public sealed class DumpCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var snapshot = new Argument<string>("snapshotID|APP") { Description = "the snapshot, or \"latest\"; with a lifeboat.yaml: the app (or \"latest\" for the app that holds the file)" };
        var file = new Argument<string>("file") { Description = "the file or directory (absolute path in the snapshot); a directory is written as a tar archive" };
        var archive = new Option<string>("--archive", "-a") { Description = "set archive format as \"tar\" or \"zip\"", DefaultValueFactory = _ => "tar" };
        var targetFile = new Option<string?>("--target", "-t") { Description = "write the output to target path" };
        var filter = new SnapshotFilterOptions();
        var stackOptions = new Stack.StackReadOptions();
        var command = new Command("dump", """
            Print a backed-up file to stdout

            With a lifeboat.yaml (stack mode, no -r): dump APP [--snapshot ID|--at TIME] PATH reads the app's newest
            snapshot (or the one chosen); dump latest PATH reads the latest of the app whose paths hold PATH.
            Example: lifeboat dump sonarr --at yesterday /mnt/projects/sonarr/config/config.xml > config.xml
            """) { snapshot, file, archive, targetFile };
        filter.AddTo(command);
        stackOptions.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var format = parse.GetValue(archive);
            if (format is not ("tar" or "zip")) throw new CliException($"unknown archive format \"{format}\"");
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
            // restic 0.17's --target: the output goes to a file (created, or truncated) instead of stdout
            await using var output = parse.GetValue(targetFile) is { Length: > 0 } target
                ? OpenTarget(target)
                : Console.OpenStandardOutput();
            Task WriteArchiveAsync(Id tree, string prefix) => format == "zip"
                ? Dashboard.SnapshotZip.WriteAsync(repo, tree, prefix, output, ct)
                : SnapshotTar.WriteAsync(repo, tree, prefix, output, ct);
            if (path.Length == 0)
            {
                Announce();
                await WriteArchiveAsync(sn.Tree, "");
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
                await WriteArchiveAsync(sub, FsNames.ToBytes(node.Name).Length > 0 ? node.Name : "");
            else if (node.Type == NodeType.File)
                await WriteContentAsync(repo, node, output, ct);
            else throw new CliException($"cannot dump \"/{path}\": it is a {node.Type}, not a file or directory");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static FileStream OpenTarget(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot dump to {path}: {e.Message}");
        }
    }

    private static async Task WriteContentAsync(Repository repo, Node node, Stream output, CancellationToken ct)
    {
        foreach (var blob in node.Content ?? [])
            await output.WriteAsync(await repo.LoadBlobAsync(BlobType.Data, blob, ct), ct);
    }
}
