using System.CommandLine;
using Lifeboat.Engine.Filtering;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// restic's rewrite (0.15; --new-host and --new-time 0.17; --include variants 0.19): new snapshots without the excluded
/// paths, or with only the included ones, or with a new host or time; the old ones kept (the new ones tagged "rewrite")
/// or forgotten.
/// </summary>
public sealed class RewriteCommand : ICommandFactory
{
    public Command Create(GlobalOptions global)
    {
        var ids = new Argument<string[]>("snapshotID") { Arity = ArgumentArity.ZeroOrMore, Description = "the snapshots to rewrite (default: all, as the filters select)" };
        var forget = new Option<bool>("--forget") { Description = "remove original snapshots after creating new ones" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "do not do anything, just print what would be done" };
        var newHost = new Option<string?>("--new-host") { Description = "replace hostname" };
        var newTime = new Option<string?>("--new-time") { Description = "replace time of the backup" };
        var patterns = new PatternOptions();
        var filter = new SnapshotFilterOptions();
        var command = new Command("rewrite", """
            Rewrite snapshots to exclude unwanted files

            The "rewrite" command excludes files from existing snapshots. It creates new snapshots containing the same
            data as the original ones, but without the files you specify to exclude. All metadata (time, host, tags)
            will be preserved. Alternatively use one of the --include variants to keep only the files wanted.

            The snapshots to rewrite are specified using the --host, --tag and --path options, or by providing a list
            of snapshot IDs. Specifying neither rewrites all snapshots. The tag "rewrite" is added to the new snapshots,
            unless --forget is used: then the original snapshots are removed instead (run "prune" to free their data).
            """) { ids, forget, dryRun, newHost, newTime };
        patterns.AddTo(command);
        filter.AddTo(command);
        command.SetAction((parse, ct) => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse);
            var selection = patterns.Get(parse);
            var host = parse.GetValue(newHost) is { Length: > 0 } h ? h : null;
            GoTime? time = parse.GetValue(newTime) is { Length: > 0 } t ? ParseNewTime(t) : null;
            if (!selection.HasExcludes && !selection.HasIncludes && host is null && time is null)
                throw new CliException("Nothing to do: no excludes/includes provided and no new metadata provided");
            bool dry = parse.GetValue(dryRun), forgetOld = parse.GetValue(forget);

            await using var repo = await ctx.OpenRepositoryAsync(ct);
            await using var repoLock = await ctx.LockAsync(repo, exclusive: forgetOld, ct, loadIndex: true, skipLock: dry);
            var snapshots = await SelectAsync(repo, parse.GetValue(ids) ?? [], filter.Get(parse), ct);
            await RewriteAllAsync(ctx, snapshots, new SnapshotRewriter(repo, TreesFor(repo, selection, ctx, dry), host, time), dry, forgetOld, ct, time, host);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>
    /// Rewrites each snapshot and says what happened as restic's rewrite and repair snapshots print it; the time and
    /// host lines only when <paramref name="rewriter"/> changes them.
    /// </summary>
    internal static async Task RewriteAllAsync(CommandContext ctx, List<Snapshot> snapshots, SnapshotRewriter rewriter, bool dry, bool forgetOld,
        CancellationToken ct, GoTime? time = null, string? host = null)
    {
        int changed = 0;
        foreach (var snapshot in snapshots)
        {
            ctx.Info("");
            ctx.Info($"snapshot {snapshot.Id.ToShortString()} of [{string.Join(" ", snapshot.Paths ?? [])}] at {snapshot.Time.ToDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss}");
            var oldId = snapshot.Id;
            SnapshotRewriter.Result result;
            try
            {
                result = await rewriter.RewriteAsync(snapshot, dry, forgetOld, ct);
            }
            catch (Engine.Repository.RepositoryException e)
            {
                throw new CliException($"unable to rewrite snapshot ID \"{oldId.ToShortString()}\": {e.Message}");
            }
            if (result.Outcome == SnapshotRewriter.Outcome.Unchanged) continue;
            changed++;
            if (result.Outcome == SnapshotRewriter.Outcome.Removed)
            {
                ctx.Info(dry ? "would delete empty snapshot" : $"removed empty snapshot {oldId.ToShortString()}");
                continue;
            }
            if (dry)
            {
                ctx.Info("would save new snapshot");
                if (forgetOld) ctx.Info("would remove old snapshot");
                if (time is { } newTime) ctx.Info($"would set time to {newTime}");
                if (host is not null) ctx.Info($"would set hostname to {host}");
                continue;
            }
            if (time is { } setTime) ctx.Info($"setting time to {setTime}");
            if (host is not null) ctx.Info($"setting host to {host}");
            ctx.Info($"saved new snapshot {result.NewId!.Value.ToShortString()}");
            if (forgetOld) ctx.Info($"removed old snapshot {oldId.ToShortString()}");
        }
        ctx.Info("");
        ctx.Info(changed == 0
            ? dry ? "no snapshots would be modified" : "no snapshots were modified"
            : dry ? $"would modify {changed} snapshots" : $"modified {changed} snapshots");
    }

    /// <summary>restic's --new-time: "2006-01-02 15:04:05" in local time.</summary>
    private static GoTime ParseNewTime(string text)
    {
        if (!DateTime.TryParseExact(text, "yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeLocal, out var local))
            throw new CliException($"error in time option: parsing time \"{text}\" as \"2006-01-02 15:04:05\": cannot parse");
        return GoTime.FromDateTimeOffset(new DateTimeOffset(local));
    }

    /// <summary>The snapshots named (each once), or all that the filters select.</summary>
    internal static async Task<List<Snapshot>> SelectAsync(Engine.Repository.Repository repo, string[] ids, Engine.Repository.SnapshotFilter filter, CancellationToken ct)
    {
        if (ids.Length == 0) return [.. (await repo.ListSnapshotsAsync(ct)).Where(filter.Matches)];
        var found = new List<Snapshot>();
        foreach (var id in ids) found.Add(await repo.FindSnapshotAsync(id, filter, ct));
        return [.. found.DistinctBy(s => s.Id)];
    }

    /// <summary>
    /// The tree filter, as restic's: excludes drop what they match (a directory with its content); includes keep the
    /// files they match, every directory on the way, and the directories they match even when left empty.
    /// </summary>
    private static TreeRewriter? TreesFor(Engine.Repository.Repository repo, PatternOptions.Patterns selection, CommandContext ctx, bool dryRun)
    {
        if (selection.HasExcludes)
        {
            var excludes = new PatternList(selection.Excludes);
            var iexcludes = new PatternList(selection.InsensitiveExcludes, caseInsensitive: true);
            return new TreeRewriter(repo, (_, path) =>
            {
                if (!excludes.Matches(path) && !iexcludes.Matches(path)) return true;
                if (ctx.Verbosity > 1) ctx.Info($"excluding \"{path}\"");
                return false;
            }) { DryRun = dryRun };
        }
        if (!selection.HasIncludes) return null;
        var includes = new PatternList(selection.Includes);
        var iincludes = new PatternList(selection.InsensitiveIncludes, caseInsensitive: true);
        bool Matched(string path) => includes.Matches(path) || iincludes.Matches(path);
        return new TreeRewriter(repo,
            (node, path) =>
            {
                if (node.Type == NodeType.Dir) return true;
                if (!Matched(path)) return false;
                if (ctx.Verbosity > 1) ctx.Info($"including \"{path}\"");
                return true;
            },
            keepEmptyDirectory: Matched) { DryRun = dryRun };
    }
}
