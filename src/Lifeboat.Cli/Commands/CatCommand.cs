using System.CommandLine;
using System.Text.Json;
using Lifeboat.Engine;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Cli.Commands;

public sealed class CatCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var type = new Argument<string>("type") { Description = "config, index, snapshot, key, masterkey, lock, pack, blob or tree" };
        var id = new Argument<string?>("ID") { Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("cat", "Print internal objects to stdout") { type, id };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var what = parse.GetValue(type)!;
            var arg = parse.GetValue(id);
            if (what is not ("config" or "masterkey") && string.IsNullOrEmpty(arg)) throw new CliException($"type \"{what}\" needs an ID");
            bool needsIndex = what is "blob" or "tree";
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: needsIndex, skipLock: what == "lock");
            using var stdout = Console.OpenStandardOutput();
            switch (what)
            {
                case "config":
                    PrintJson(stdout, repo.Config.ToJson());
                    break;
                case "masterkey":
                    PrintJson(stdout, KeyFile.MasterKeyJson(repo.Key));
                    break;
                case "key":
                    PrintJson(stdout, await repo.ReadRawFileAsync(FileType.Key, await ResolveAsync(repo, FileType.Key, arg!, ct), ct));
                    break;
                case "index":
                    PrintJson(stdout, await repo.LoadUnpackedAsync(FileType.Index, Id.Parse(await ResolveAsync(repo, FileType.Index, arg!, ct)), ct));
                    break;
                case "snapshot":
                    var sn = await repo.FindSnapshotAsync(arg!, null, ct);
                    PrintJson(stdout, await repo.LoadUnpackedAsync(FileType.Snapshot, sn.Id, ct));
                    break;
                case "lock":
                    PrintJson(stdout, await repo.LoadUnpackedAsync(FileType.Lock, Id.Parse(await ResolveAsync(repo, FileType.Lock, arg!, ct)), ct));
                    break;
                case "pack":
                    stdout.Write(await repo.ReadRawFileAsync(FileType.Pack, await ResolveAsync(repo, FileType.Pack, arg!, ct), ct));
                    break;
                case "blob":
                    var blobId = Id.Parse(arg!);
                    var type2 = repo.Index.Has(BlobType.Data, blobId) ? BlobType.Data : BlobType.Tree;
                    stdout.Write(await repo.LoadBlobAsync(type2, blobId, ct));
                    break;
                case "tree":
                    var (_, tree, _) = await SnapshotPath.ResolveAsync(repo, arg!, new SnapshotFilter(), ct);
                    PrintJson(stdout, await repo.LoadBlobAsync(BlobType.Tree, tree, ct));
                    break;
                default:
                    throw new CliException($"invalid type \"{what}\": choose config, index, snapshot, key, masterkey, lock, pack, blob or tree");
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static async Task<string> ResolveAsync(Repository repo, FileType type, string prefix, CancellationToken ct)
    {
        var matches = new List<string>();
        await foreach (var f in repo.ListFilesAsync(type, ct))
            if (f.Name.StartsWith(prefix, StringComparison.Ordinal)) matches.Add(f.Name);
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new CliException($"no matching ID found for prefix \"{prefix}\""),
            _ => throw new CliException($"ID prefix \"{prefix}\" is ambiguous: it matches {matches.Count} files"),
        };
    }

    /// <summary>Indented like restic's json.MarshalIndent output; bytes that are not JSON are written as they are.</summary>
    private static void PrintJson(Stream stdout, byte[] json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                doc.WriteTo(w);
            stdout.WriteByte((byte)'\n');
        }
        catch (JsonException)
        {
            stdout.Write(json);
        }
    }
}
