using System.CommandLine;
using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Cli.Commands;

/// <summary>restic 0.14's copy: snapshots from --from-repo into the repository given by -r.</summary>
public sealed class CopyCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshotID") { Arity = ArgumentArity.ZeroOrMore };
        var from = new SourceRepositoryOptions();
        var filter = new SnapshotFilterOptions();
        var command = new Command("copy", "Copy snapshots from one repository to another") { ids };
        from.AddTo(command);
        filter.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            await using var source = await from.OpenAsync(ctx, parse, ct);
            await using var destination = await ctx.OpenRepositoryAsync(ct);
            await using var sourceLock = await ctx.LockAsync(source, exclusive: false, ct, loadIndex: true);
            await using var destinationLock = await ctx.LockAsync(destination, exclusive: false, ct, loadIndex: true);

            var copy = new CopyOperation(source, destination);
            if (!copy.SameChunker)
                ctx.Error.WriteLine("Warning: the repositories use different chunker parameters: data will not deduplicate between them (create the destination with init --copy-chunker-params)");
            var snapshots = await StatsCommand.SelectSnapshotsAsync(source, parse.GetValue(ids) ?? [], filter.Get(parse), ct);
            await copy.RunAsync(snapshots,
                start =>
                {
                    ctx.Info($"\nsnapshot {start.Source.Id.ToShortString()} of [{string.Join(" ", start.Source.Paths ?? [])}] at {start.Source.Time.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss.fffffff zzz})");
                    ctx.Info("  copy started, this may take a while...");
                },
                done =>
                {
                    if (done.ExistingCopy is { } existing)
                    {
                        if (ctx.Verbosity > 0) ctx.Info($"skipping source snapshot {done.Source.Id.ToShortString()}, was already copied to snapshot {existing.Id.ToShortString()}");
                    }
                    else ctx.Info($"snapshot {done.NewId!.Value.ToShortString()} saved");
                }, ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
