using System.Text.Json;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;

namespace Lifeboat.Cli.Commands;

/// <summary>forget's output as restic 0.14 prints it, shared by the engine forget and the stack's per-app forget.</summary>
public static class ForgetOutput
{
    /// <summary>One group's keep and remove tables (with the group's header first when asked for).</summary>
    public static void PrintGroup(CommandContext ctx, ForgetGroupKey key, ForgetDecision decision, bool compact, bool header)
    {
        if (header) ctx.Out.WriteLine(GroupHeader(key));
        if (decision.Keep.Count > 0)
        {
            ctx.Out.WriteLine($"keep {decision.Keep.Count} snapshots:");
            PrintTable(ctx, decision.Keep, decision.Reasons, compact);
            ctx.Out.WriteLine();
        }
        if (decision.Remove.Count > 0)
        {
            ctx.Out.WriteLine($"remove {decision.Remove.Count} snapshots:");
            PrintTable(ctx, decision.Remove, null, compact);
            ctx.Out.WriteLine();
        }
    }

    /// <summary>restic's dry-run summary of the snapshots that would be removed.</summary>
    public static void PrintWouldRemove(CommandContext ctx, IEnumerable<Id> ids) =>
        ctx.Out.WriteLine($"Would have removed the following snapshots:\n{{{string.Join(" ", ids.Select(i => i.ToShortString()).Order(StringComparer.Ordinal))}}}\n");

    public static string GroupHeader(ForgetGroupKey key)
    {
        var parts = new List<string>();
        if (key.Hostname.Length > 0) parts.Add($"host [{key.Hostname}]");
        if (key.Tags is not null) parts.Add($"tags [{string.Join(", ", key.Tags)}]");
        if (key.Paths is not null) parts.Add($"paths [{string.Join(", ", key.Paths)}]");
        return parts.Count == 0 ? "" : $"snapshots for ({string.Join(", ", parts)}):";
    }

    /// <summary>restic's SnapshotGroupKey.String(): "host h, path [/a /b], tags [x]" (the parts the grouping has).</summary>
    public static string GroupKeyText(ForgetGroupKey key)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(key.Hostname)) parts.Add($"host {key.Hostname}");
        if (key.Paths is { Count: > 0 } paths) parts.Add($"path [{string.Join(" ", paths)}]");
        if (key.Tags is { Count: > 0 } tags) parts.Add($"tags [{string.Join(" ", tags)}]");
        return string.Join(", ", parts);
    }

    /// <summary>restic's forget JSON: one array of groups, each with its key, kept and removed snapshots and the reasons.</summary>
    public static void WriteGroups(Utf8JsonWriter w, IEnumerable<(ForgetGroupKey Key, ForgetDecision Decision)> groups)
    {
        static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string>? values)
        {
            if (values is null) { w.WriteNull(name); return; }
            w.WriteStartArray(name);
            foreach (var v in values) w.WriteStringValue(v);
            w.WriteEndArray();
        }
        static void Snapshots(Utf8JsonWriter w, string name, List<Snapshot> list)
        {
            if (list.Count == 0) { w.WriteNull(name); return; }
            w.WriteStartArray(name);
            foreach (var s in list) SnapshotsCommand.WriteSnapshot(w, s);
            w.WriteEndArray();
        }
        w.WriteStartArray();
        foreach (var (key, decision) in groups)
        {
            w.WriteStartObject();
            Strings(w, "tags", key.Tags);
            w.WriteString("host", key.Hostname);
            Strings(w, "paths", key.Paths);
            Snapshots(w, "keep", decision.Keep);
            Snapshots(w, "remove", decision.Remove);
            if (decision.Reasons.Count == 0) w.WriteNull("reasons");
            else
            {
                w.WriteStartArray("reasons");
                foreach (var reason in decision.Reasons)
                {
                    w.WriteStartObject();
                    // with its id and short_id, as restic 0.17 writes it (0.14 wrote the bare snapshot)
                    w.WritePropertyName("snapshot");
                    SnapshotsCommand.WriteSnapshot(w, reason.Snapshot);
                    w.WriteStartArray("matches");
                    foreach (var m in reason.Matches) w.WriteStringValue(m);
                    w.WriteEndArray();
                    w.WriteStartObject("counters");
                    var c = reason.Counters;
                    foreach (var (name, value) in new[] { ("last", c.Last), ("hourly", c.Hourly), ("daily", c.Daily), ("weekly", c.Weekly), ("monthly", c.Monthly), ("yearly", c.Yearly) })
                        if (value != 0) w.WriteNumber(name, value);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>restic's snapshot table, with a Reasons column for kept snapshots.</summary>
    private static void PrintTable(CommandContext ctx, List<Snapshot> list, List<ForgetKeepReason>? reasons, bool compact)
    {
        var reasonOf = reasons?.ToDictionary(r => r.Snapshot.Id, r => r.Matches) ?? [];
        bool withReasons = reasons is not null;
        var rows = new List<string[]>();
        foreach (var s in list)
        {
            var paths = s.Paths ?? [];
            var tags = s.Tags ?? [];
            var why = withReasons && reasonOf.TryGetValue(s.Id, out var m) ? m : [];
            int lines = compact ? 1 : Math.Max(1, Math.Max(paths.Count, Math.Max(tags.Count, why.Count)));
            for (int i = 0; i < lines; i++)
            {
                var row = new List<string>
                {
                    i == 0 ? s.Id.ToShortString() : "",
                    i == 0 ? s.Time.ToDateTimeOffset().ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss") : "",
                    i == 0 ? s.Hostname ?? "" : "",
                    compact ? (i == 0 ? string.Join(",", tags) : "") : tags.ElementAtOrDefault(i) ?? "",
                };
                if (withReasons) row.Add(compact ? (i == 0 ? string.Join(",", why) : "") : why.ElementAtOrDefault(i) ?? "");
                row.Add(compact ? (i == 0 ? string.Join(",", paths) : "") : Display.Text(paths.ElementAtOrDefault(i) ?? ""));
                rows.Add([.. row]);
            }
        }
        string[] header = withReasons ? ["ID", "Time", "Host", "Tags", "Reasons", "Paths"] : ["ID", "Time", "Host", "Tags", "Paths"];
        PlainTable.Write(ctx.Out, header, rows);
        ctx.Out.WriteLine(list.Count == 1 ? "1 snapshots" : $"{list.Count} snapshots");
    }
}
