using System.CommandLine;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Cli.Commands;

/// <summary>restic's recover (0.10): a snapshot "/recover" of the directories no snapshot references, with restic's lines.</summary>
public sealed class RecoverCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var command = new Command("recover", """
            Recover data from the repository not referenced by snapshots

            The "recover" command builds a new snapshot from all directories it can find in the raw data of the
            repository which are not referenced in an existing snapshot. It can be used if, for example, a snapshot
            has been removed by accident with "forget". The new snapshot has the path "/recover" and the tag
            "recovered"; each directory found is in it under its short ID.
            """);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: true, ct, whileLocking: async c =>
            {
                ctx.Info("load index files");
                await repo.LoadIndexAsync(c);
            });
            var recoverer = new Recoverer(repo, ctx.Info, ctx.Warn);
            var roots = await recoverer.FindRootsAsync(ct);
            if (ctx.Verbosity > 0)
                foreach (var root in roots) ctx.Info($"found root tree {root.ToShortString()}");
            ctx.Info("");
            ctx.Info($"found {roots.Count} unreferenced roots");
            if (roots.Count == 0)
            {
                ctx.Info("no snapshot to write.");
                return ExitCodes.Ok;
            }
            var snapshot = await recoverer.SaveSnapshotAsync(roots, Posix.HostName, ct);
            ctx.Info($"saved new snapshot {snapshot.Id.ToShortString()}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
