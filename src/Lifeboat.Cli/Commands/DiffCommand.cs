using System.CommandLine;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Reading;

namespace Lifeboat.Cli.Commands;

public sealed class DiffCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshot-ID|APP") { Arity = new ArgumentArity(1, 3), Description = "two snapshots; with a lifeboat.yaml: the app, then none, one or two of its snapshots" };
        var metadata = new Option<bool>("--metadata") { Description = "print changes in metadata" };
        var command = new Command("diff", """
            Show differences between two snapshots

            With a lifeboat.yaml (stack mode, no -r): diff APP compares the app's two newest snapshots, diff APP ID what
            changed from that snapshot to the newest, diff APP ID1 ID2 those two.
            Example: lifeboat diff sonarr
            """) { ids, metadata };
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var args = parse.GetValue(ids) ?? [];
            // stack mode: `diff APP [ID1 [ID2]]` compares the app's snapshots
            StackReading? reading = null;
            AppConfig? app = null;
            if (ctx.StackConfig is { } stack)
            {
                reading = new StackReading(stack, "diff");
                app = stack.FindApp(args[0]);
                if (app is null) reading.RejectBareLatest(args, filtered: false);
            }
            if (app is null && args.Length != 2) throw new CliException("specify two snapshot IDs");
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, loadIndex: true);
            var (first, second) = app is not null
                ? await reading!.ChoosePairAsync(repo, app, args[1..], ct)
                : (await repo.FindSnapshotAsync(args[0], null, ct), await repo.FindSnapshotAsync(args[1], null, ct));
            // restic names the snapshots as given; the app form gives them by short ID
            if (app is not null) args = [first.Id.ToShortString(), second.Id.ToShortString()];
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
