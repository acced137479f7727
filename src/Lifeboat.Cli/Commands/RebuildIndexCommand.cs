using System.CommandLine;
using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Cli.Commands;

/// <summary>restic 0.14's rebuild-index: a new index from the pack headers, written before the old one is removed.</summary>
public sealed class RebuildIndexCommand : ICommandFactory
{
    public Command Create(GlobalOptions global) => Build("rebuild-index", "Build a new index", global);

    /// <summary>The command under any name: rebuild-index (restic 0.14) and "repair index" (newer restic) are the same.</summary>
    internal static Command Build(string name, string description, GlobalOptions global)
    {
        var readAllPacks = new Option<bool>("--read-all-packs") { Description = "read all pack files to generate new index from scratch" };
        var command = new Command(name, description) { readAllPacks };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: true, ct);
            bool all = parse.GetValue(readAllPacks);
            ctx.Info(all ? "ignoring existing indexes, reading all pack files" : "loading indexes...");
            var rebuilder = new IndexRebuilder(repo, message => ctx.Error.WriteLine(message));
            var result = await rebuilder.RunAsync(all, ct);
            if (result.PacksRead > 0 || result.PacksSkipped.Count > 0) ctx.Info($"read {result.PacksRead} pack files");
            ctx.Info($"saved new indexes as [{string.Join(" ", result.IndexFilesWritten.Select(i => i.ToShortString()))}]");
            ctx.Info($"removed {result.IndexFilesRemoved.Count} old index files");
            ctx.Info("done");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
