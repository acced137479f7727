using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Cli.Commands;

public sealed class DiffCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshot-ID") { Arity = new ArgumentArity(2, 2) };
        var metadata = new Option<bool>("--metadata") { Description = "print changes in metadata" };
        var command = new Command("diff", "Show differences between two snapshots") { ids, metadata };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var args = parse.GetValue(ids) ?? [];
            if (args.Length != 2) throw new CliException("specify two snapshot IDs");
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
            var first = await repo.FindSnapshotAsync(args[0], null, ct);
            var second = await repo.FindSnapshotAsync(args[1], null, ct);
            if (!ctx.Json) ctx.Info($"comparing snapshot {first.Id.ToShortString()} to {second.Id.ToShortString()}:\n");
            var diff = new DiffCalculator(repo, parse.GetValue(metadata), change =>
            {
                if (ctx.Json)
                    JsonOutput.Line(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("message_type", "change");
                        w.WriteString("path", Display.Text(change.Path));
                        w.WriteString("modifier", change.Modifier);
                        w.WriteEndObject();
                    });
                else ctx.Out.WriteLine($"{change.Modifier,-5}{Display.Text(change.Path)}");
            });
            await diff.RunAsync(first, second, ct);
            if (ctx.Json)
            {
                JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("message_type", "statistics");
                    w.WriteString("source_snapshot", args[0]);
                    w.WriteString("target_snapshot", args[1]);
                    w.WriteNumber("changed_files", diff.ChangedFiles);
                    Stat(w, "added", diff.Added);
                    Stat(w, "removed", diff.Removed);
                    w.WriteEndObject();
                });
                return ExitCodes.Ok;
            }
            ctx.Out.WriteLine();
            ctx.Out.WriteLine($"Files:       {diff.Added.Files,5} new, {diff.Removed.Files,5} removed, {diff.ChangedFiles,5} changed");
            ctx.Out.WriteLine($"Dirs:        {diff.Added.Dirs,5} new, {diff.Removed.Dirs,5} removed");
            ctx.Out.WriteLine($"Others:      {diff.Added.Others,5} new, {diff.Removed.Others,5} removed");
            ctx.Out.WriteLine($"Data Blobs:  {diff.Added.DataBlobs,5} new, {diff.Removed.DataBlobs,5} removed");
            ctx.Out.WriteLine($"Tree Blobs:  {diff.Added.TreeBlobs,5} new, {diff.Removed.TreeBlobs,5} removed");
            ctx.Out.WriteLine($"  Added:   {Format.Bytes((long)diff.Added.Bytes),-5}");
            ctx.Out.WriteLine($"  Removed: {Format.Bytes((long)diff.Removed.Bytes),-5}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static void Stat(System.Text.Json.Utf8JsonWriter w, string name, DiffStat s)
    {
        w.WriteStartObject(name);
        w.WriteNumber("files", s.Files);
        w.WriteNumber("dirs", s.Dirs);
        w.WriteNumber("others", s.Others);
        w.WriteNumber("data_blobs", s.DataBlobs);
        w.WriteNumber("tree_blobs", s.TreeBlobs);
        w.WriteNumber("bytes", s.Bytes);
        w.WriteEndObject();
    }
}
