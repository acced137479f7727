using System.CommandLine;
using System.Text.Json;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Model;

namespace Lifeboat.Cli.Commands;

public sealed class SnapshotsCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshotID|APP") { Arity = ArgumentArity.ZeroOrMore, Description = "snapshot IDs; with a lifeboat.yaml: apps (all when none is named)" };
        var filter = new SnapshotFilterOptions();
        var latest = new Option<int>("--latest") { Description = "only show the last n snapshots for each host and path" };
        var compact = new Option<bool>("--compact", "-c") { Description = "use compact output format" };
        var command = new Command("snapshots", """
            List all snapshots

            With a lifeboat.yaml (stack mode, no -r): snapshots [APP...] lists each app's history under its name.
            Example: lifeboat snapshots sonarr
            """) { ids, latest, compact };
        filter.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            if (ctx.StackConfig is { } stack)
                return await Stack.StackSnapshotsCommand.RunAsync(ctx, stack, parse.GetValue(ids) ?? [], parse.GetValue(compact), ct);
            await using var repo = await ctx.OpenRepositoryAsync(ct);
            var wanted = parse.GetValue(ids) ?? [];
            List<Snapshot> list = [];
            // read-only: the snapshots are read while the written lock waits for its re-check (200 ms, which was
            // most of this command's time after the key derivation), as the index is for the commands that load it
            await using var repoLock = await ctx.LockAsync(repo, exclusive: false, ct, whileLocking: async c =>
            {
                if (wanted.Length > 0)
                    foreach (var id in wanted) list.Add(await repo.FindSnapshotAsync(id, filter.Get(parse), c));
                else list = (await repo.ListSnapshotsAsync(c)).Where(filter.Get(parse).Matches).ToList();
            });
            if (parse.GetValue(latest) is > 0 and var n)
                list = list.GroupBy(s => (s.Hostname, string.Join('\0', (s.Paths ?? []).Order(StringComparer.Ordinal))))
                    .SelectMany(g => g.OrderBy(s => s.Time).TakeLast(n)).OrderBy(s => s.Time).ToList();

            if (ctx.Json)
            {
                JsonOutput.Line(w =>
                {
                    w.WriteStartArray();
                    foreach (var s in list) WriteSnapshot(w, s);
                    w.WriteEndArray();
                });
                return ExitCodes.Ok;
            }
            PrintTable(ctx, list, parse.GetValue(compact));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>A snapshot as restic's --json shows it: its fields plus id and short_id (and struct_type, as ls has it).</summary>
    public static void WriteSnapshot(Utf8JsonWriter w, Snapshot s, string? structType = null)
    {
        using var doc = JsonDocument.Parse(s.ToJson());
        w.WriteStartObject();
        foreach (var p in doc.RootElement.EnumerateObject()) p.WriteTo(w);
        w.WriteString("id", s.Id.ToString());
        w.WriteString("short_id", s.Id.ToShortString());
        if (structType is not null) w.WriteString("struct_type", structType);
        w.WriteEndObject();
    }

    /// <summary>
    /// restic's table: the Size column (restic 0.17+, each snapshot's summary.total_bytes_processed, blank without one)
    /// only when some snapshot has a summary, and below the table the zone its local times are in (restic 0.19).
    /// </summary>
    internal static void PrintTable(CommandContext ctx, List<Snapshot> list, bool compact)
    {
        bool hasSize = list.Any(s => s.Summary is not null);
        var rows = new List<string[]>();
        foreach (var s in list)
        {
            var paths = s.Paths ?? [];
            var tags = s.Tags ?? [];
            int lines = compact ? 1 : Math.Max(1, Math.Max(paths.Count, tags.Count));
            var size = s.Summary is { } summary ? Format.Bytes((long)summary.TotalBytesProcessed) : "";
            for (int i = 0; i < lines; i++)
            {
                string[] row = i == 0
                    ? [s.Id.ToShortString(), s.Time.ToDateTimeOffset().ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"), s.Hostname ?? "", compact ? string.Join(",", tags) : tags.ElementAtOrDefault(0) ?? "", compact ? string.Join(",", paths) : Display.Text(paths.ElementAtOrDefault(0) ?? "")]
                    : ["", "", "", tags.ElementAtOrDefault(i) ?? "", Display.Text(paths.ElementAtOrDefault(i) ?? "")];
                rows.Add(hasSize ? [.. row, i == 0 ? size : ""] : row);
            }
        }
        string[] header = hasSize ? ["ID", "Time", "Host", "Tags", "Paths", "Size"] : ["ID", "Time", "Host", "Tags", "Paths"];
        PlainTable.Write(ctx.Out, header, rows);
        ctx.Out.WriteLine($"Timestamps shown in {TimeZoneLabel.Current()}");
        // restic 0.19: the zone line first, then the count, "%d snapshots" whatever the count
        ctx.Out.WriteLine($"{list.Count} snapshots");
    }
}
