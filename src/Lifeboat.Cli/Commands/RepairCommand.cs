using System.CommandLine;
using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Cli.Commands;

/// <summary>Newer restic's "repair" group: "repair index" (the same as rebuild-index) and "repair snapshots" (0.16).</summary>
public sealed class RepairCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var command = new Command("repair", "Repair the repository");
        command.Subcommands.Add(RebuildIndexCommand.Build("index", "Build a new index", global));
        command.Subcommands.Add(Snapshots(global));
        return command;
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
