using System.CommandLine;
using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Cli.Commands;

public sealed class UnlockCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var removeAll = new Option<bool>("--remove-all") { Description = "remove all locks, even non-stale ones" };
        var command = new Command("unlock", "Remove locks other processes created") { removeAll };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            int removed = await Unlocker.RemoveLocksAsync(repo, parse.GetValue(removeAll), ct);
            // restic 0.14 prints this line whether or not anything was removed; the count is for -v
            ctx.Info("successfully removed locks");
            if (ctx.Verbosity > 0) ctx.Info($"{removed} lock{(removed == 1 ? "" : "s")} removed");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
