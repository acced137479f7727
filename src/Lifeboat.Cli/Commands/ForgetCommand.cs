using System.CommandLine;
using System.Text.Json;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Cli.Commands;

/// <summary>restic 0.14's forget: removes snapshots by ID or by policy, per group, optionally pruning afterwards.</summary>
public sealed class ForgetCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshotID") { Arity = ArgumentArity.ZeroOrMore };
        var last = new Option<int>("--keep-last", "-l") { Description = "keep the last n snapshots" };
        var hourly = new Option<int>("--keep-hourly", "-H") { Description = "keep the last n hourly snapshots" };
        var daily = new Option<int>("--keep-daily", "-d") { Description = "keep the last n daily snapshots" };
        var weekly = new Option<int>("--keep-weekly", "-w") { Description = "keep the last n weekly snapshots" };
        var monthly = new Option<int>("--keep-monthly", "-m") { Description = "keep the last n monthly snapshots" };
        var yearly = new Option<int>("--keep-yearly", "-y") { Description = "keep the last n yearly snapshots" };
        var within = new Option<string?>("--keep-within") { Description = "keep snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
        var withinHourly = new Option<string?>("--keep-within-hourly") { Description = "keep hourly snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
        var withinDaily = new Option<string?>("--keep-within-daily") { Description = "keep daily snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
        var withinWeekly = new Option<string?>("--keep-within-weekly") { Description = "keep weekly snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
        var withinMonthly = new Option<string?>("--keep-within-monthly") { Description = "keep monthly snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
        var withinYearly = new Option<string?>("--keep-within-yearly") { Description = "keep yearly snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
        var keepTag = new Option<string[]>("--keep-tag") { Description = "keep snapshots with this taglist (can be specified multiple times)" };
        // forget's --host has no -H: restic gives that to --keep-hourly.
        var host = new Option<string[]>("--host") { Description = "only consider snapshots with the given host (can be specified multiple times)" };
        var tag = new Option<string[]>("--tag") { Description = "only consider snapshots which include this taglist in the format `tag[,tag,...]` (can be specified multiple times)" };
        var path = new Option<string[]>("--path") { Description = "only consider snapshots which include this (absolute) path (can be specified multiple times)" };
        var compact = new Option<bool>("--compact", "-c") { Description = "use compact output format" };
        var groupBy = new Option<string>("--group-by", "-g") { Description = "string for grouping snapshots by host,paths,tags", DefaultValueFactory = _ => "host,paths" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "do not delete anything, just print what would be done" };
        var prune = new Option<bool>("--prune") { Description = "automatically run the 'prune' command if snapshots have been removed" };
        var pruneOptions = new PruneOptionSet();
        var command = new Command("forget", "Remove snapshots from the repository")
        {
            ids, last, hourly, daily, weekly, monthly, yearly, within, withinHourly, withinDaily, withinWeekly, withinMonthly, withinYearly,
            keepTag, host, tag, path, compact, groupBy, dryRun, prune,
        };
        pruneOptions.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            bool isDryRun = parse.GetValue(dryRun);
            var prunePlanOptions = pruneOptions.Get(parse, isDryRun);
            RetentionDuration Duration(Option<string?> option)
            {
                var text = parse.GetValue(option);
                if (string.IsNullOrEmpty(text)) return default;
                try { return RetentionDuration.Parse(text); }
                catch (FormatException e) { throw new CliException($"invalid argument \"{text}\" for \"{option.Name}\" flag: {e.Message}"); }
            }
            var policy = new ForgetPolicy
            {
                Last = parse.GetValue(last), Hourly = parse.GetValue(hourly), Daily = parse.GetValue(daily),
                Weekly = parse.GetValue(weekly), Monthly = parse.GetValue(monthly), Yearly = parse.GetValue(yearly),
                Within = Duration(within), WithinHourly = Duration(withinHourly), WithinDaily = Duration(withinDaily),
                WithinWeekly = Duration(withinWeekly), WithinMonthly = Duration(withinMonthly), WithinYearly = Duration(withinYearly),
                Tags = SnapshotFilter.ParseTags(parse.GetValue(keepTag) ?? []),
            };
            ForgetGrouping grouping;
            try { grouping = ForgetGrouping.Parse(parse.GetValue(groupBy) ?? "host,paths"); }
            catch (FormatException e) { throw new CliException(e.Message); }
            if (ctx.NoLock && !isDryRun) throw new CliException("--no-lock is only applicable in combination with --dry-run for forget command");

            await using var repo = await ctx.OpenRepositoryAsync(ct, loadIndex: parse.GetValue(prune));
            // restic 0.14 locks exclusively even for a dry run, unless --no-lock is given with it.
            await using var repoLock = await ctx.LockAsync(repo, exclusive: true, ct);
            var filter = new SnapshotFilter
            {
                Hosts = parse.GetValue(host) ?? [],
                Paths = parse.GetValue(path) ?? [],
                TagGroups = SnapshotFilter.ParseTags(parse.GetValue(tag) ?? []),
            };
            var wanted = parse.GetValue(ids) ?? [];
            var toRemove = new List<Snapshot>();
            var groups = new List<(ForgetGroupKey Key, ForgetDecision Decision)>();
            if (wanted.Length > 0)
            {
                foreach (var id in wanted) toRemove.Add(await repo.FindSnapshotAsync(id, filter, ct));
            }
            else
            {
                var snapshots = (await repo.ListSnapshotsAsync(ct)).Where(filter.Matches).ToList();
                if (policy.IsEmpty)
                {
                    if (!ctx.Json) ctx.Info("no policy was specified, no snapshots will be removed");
                }
                else
                {
                    if (!ctx.Json) ctx.Info($"Applying Policy: {policy}");
                    foreach (var (key, members) in grouping.Group(snapshots))
                    {
                        var decision = policy.Apply(members);
                        groups.Add((key, decision));
                        toRemove.AddRange(decision.Remove);
                        if (ctx.Json || ctx.Quiet) continue;
                        if (ctx.Verbosity >= 1) ctx.Out.WriteLine(GroupHeader(key));
                        if (decision.Keep.Count > 0)
                        {
                            ctx.Out.WriteLine($"keep {decision.Keep.Count} snapshots:");
                            PrintTable(ctx, decision.Keep, decision.Reasons, parse.GetValue(compact));
                            ctx.Out.WriteLine();
                        }
                        if (decision.Remove.Count > 0)
                        {
                            ctx.Out.WriteLine($"remove {decision.Remove.Count} snapshots:");
                            PrintTable(ctx, decision.Remove, null, parse.GetValue(compact));
                            ctx.Out.WriteLine();
                        }
                    }
                }
            }

            var removeIds = toRemove.Select(s => s.Id).Distinct().ToList();
            if (removeIds.Count > 0)
            {
                if (!isDryRun)
                {
                    foreach (var id in removeIds) await repo.DeleteFileAsync(FileType.Snapshot, id, ct);
                    if (!ctx.Json && wanted.Length > 0) ctx.Info($"removed {removeIds.Count} snapshots");
                }
                else if (!ctx.Json)
                    ctx.Out.WriteLine($"Would have removed the following snapshots:\n{{{string.Join(" ", removeIds.Select(i => i.ToShortString()).Order(StringComparer.Ordinal))}}}\n");
            }
            if (ctx.Json && groups.Count > 0) JsonOutput.Line(w => WriteJson(w, groups));

            if (removeIds.Count > 0 && parse.GetValue(prune))
            {
                if (!ctx.Json)
                    ctx.Info(isDryRun ? $"{removeIds.Count} snapshots would be removed, running prune dry run" : $"{removeIds.Count} snapshots have been removed, running prune");
                await PruneCommand.RunAsync(ctx, repo, prunePlanOptions, ct);
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static string GroupHeader(ForgetGroupKey key)
    {
        var parts = new List<string>();
        if (key.Hostname.Length > 0) parts.Add($"host [{key.Hostname}]");
        if (key.Tags is not null) parts.Add($"tags [{string.Join(", ", key.Tags)}]");
        if (key.Paths is not null) parts.Add($"paths [{string.Join(", ", key.Paths)}]");
        return parts.Count == 0 ? "" : $"snapshots for ({string.Join(", ", parts)}):";
    }

    /// <summary>restic's forget JSON: one array of groups, each with its key, kept and removed snapshots and the reasons.</summary>
    private static void WriteJson(Utf8JsonWriter w, List<(ForgetGroupKey Key, ForgetDecision Decision)> groups)
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
                    w.WritePropertyName("snapshot");
                    using (var doc = JsonDocument.Parse(reason.Snapshot.ToJson())) doc.RootElement.WriteTo(w);
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
