using System.CommandLine;
using Lifeboat.Engine;
using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Cli.Commands;

/// <summary>Newer restic's "repair" group: "repair index" (the same as rebuild-index), "repair snapshots" and "repair packs" (0.16).</summary>
public sealed class RepairCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var command = new Command("repair", "Repair the repository");
        command.Subcommands.Add(RebuildIndexCommand.Build("index", "Build a new index", global));
        command.Subcommands.Add(Snapshots(global));
        command.Subcommands.Add(Packs(global));
        return command;
    }

    private static Command Packs(GlobalOptions global)
    {
        var ids = new Argument<string[]>("packIDs") { Arity = ArgumentArity.ZeroOrMore, Description = "the damaged pack files" };
        var command = new Command("packs", """
            Salvage damaged pack files

            The "repair packs" command extracts intact blobs from the specified pack files, rebuilds the index to remove
            the damaged pack files and removes the pack files from the repository. A copy of each pack file is saved
            first as pack-ID in the current directory. Then run "repair snapshots --forget" to remove the blobs that
            could not be salvaged from the snapshots that use them.
            """) { ids };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var packIds = new List<Id>();
            foreach (var text in parse.GetValue(ids) ?? [])
            {
                if (!Id.TryParse(text, out var id)) throw new CliException($"invalid ID \"{text}\"");
                packIds.Add(id);
            }
            if (packIds.Count == 0) throw new CliException("no ids specified");
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: true, ct, loadIndex: true);

            ctx.Info("saving backup copies of pack files to current folder");
            foreach (var packId in packIds.Distinct()) await SaveCopyAsync(repo, packId, ct);
            await new PackRepair(repo, ctx.Info, ctx.Warn).RunAsync(packIds, ct);
            ctx.Info("");
            ctx.Info("Use `restic repair snapshots --forget` to remove the corrupted data blobs from all snapshots");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>restic keeps each pack as it was in ./pack-ID before touching it, and never overwrites such a copy.</summary>
    private static async Task SaveCopyAsync(Lifeboat.Engine.Repository.Repository repo, Id packId, CancellationToken ct)
    {
        long size;
        try { size = await repo.StatPackAsync(packId, ct); }
        catch (Lifeboat.Engine.Storage.BackendFileNotFoundException) { throw new CliException($"pack {packId} does not exist"); }
        FileStream file;
        try { file = new FileStream("pack-" + packId, FileMode.CreateNew, FileAccess.Write); }
        catch (IOException e) { throw new CliException(e.Message); }
        await using (file)
        {
            var buffer = new byte[(int)Math.Min(size, 4 << 20)];
            for (long offset = 0; offset < size; offset += buffer.Length)
            {
                var chunk = buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - offset));
                await repo.ReadPackAsync(packId, offset, chunk, ct);
                await file.WriteAsync(chunk, ct);
            }
        }
    }

    private static Command Snapshots(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshotID") { Arity = ArgumentArity.ZeroOrMore, Description = "the snapshots to repair (default: all, as the filters select)" };
        var forget = new Option<bool>("--forget") { Description = "remove original snapshots after creating new ones" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "do not do anything, just print what would be done" };
        var filter = new SnapshotFilterOptions();
        var command = new Command("snapshots", """
            Repair snapshots

            The "repair snapshots" command repairs broken snapshots. It scans the given snapshots and generates new ones
            with damaged directories and file contents removed. If the broken snapshots are deleted, a prune run will be
            able to clean up the repository.

            The command depends on a correct index, thus make sure to run "repair index" first! A file whose content
            is missing keeps the blobs that are there (its size shrinks accordingly); a directory whose tree is missing
            or damaged becomes empty; a snapshot whose root tree cannot be read is removed. The new snapshots get the
            tag "repaired" unless --forget removes the originals.
            """) { ids, forget, dryRun };
        filter.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            bool dry = parse.GetValue(dryRun);
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: true, ct, loadIndex: true, skipLock: dry);
            var snapshots = await RewriteCommand.SelectAsync(repo, parse.GetValue(ids) ?? [], filter.Get(parse), ct);
            var rewriter = SnapshotRepair.Rewriter(repo, dry, line => ctx.Info("  " + line));
            await RewriteCommand.RewriteAllAsync(ctx, snapshots, rewriter, dry, parse.GetValue(forget), ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
