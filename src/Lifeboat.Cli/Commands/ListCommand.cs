using System.CommandLine;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Cli.Commands;

public sealed class ListCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var type = new Argument<string>("type") { Description = "blobs, packs, index, snapshots, keys or locks" };
        var command = new Command("list", "List objects in the repository") { type };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var what = parse.GetValue(type)!;
            FileType? fileType = what switch
            {
                "packs" => FileType.Pack,
                "index" => FileType.Index,
                "snapshots" => FileType.Snapshot,
                "keys" => FileType.Key,
                "locks" => FileType.Lock,
                "blobs" => null,
                _ => throw new CliException($"invalid type \"{what}\": choose blobs, packs, index, snapshots, keys or locks"),
            };
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: fileType is null, skipLock: fileType == FileType.Lock);
            if (fileType is null)
            {
                foreach (var (_, blob) in repo.Index.All()) ctx.Out.WriteLine($"{(blob.Type == Engine.Repository.BlobType.Data ? "data" : "tree")} {blob.Id}");
                return ExitCodes.Ok;
            }
            await foreach (var f in repo.ListFilesAsync(fileType.Value, ct)) ctx.Out.WriteLine(f.Name);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
