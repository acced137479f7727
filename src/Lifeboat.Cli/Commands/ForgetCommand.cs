using System.CommandLine;
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
        var ids = new Argument<string[]>("snapshotID") { Arity = ArgumentArity.ZeroOrMore, Description = "snapshot IDs; in stack mode, apps (all when none is named) or snapshot IDs" };
        var policyOptions = new ForgetPolicyOptionSet();
        // forget's --host has no -H: restic gives that to --keep-hourly.
        var host = new Option<string[]>("--host") { Description = "only consider snapshots with the given host (can be specified multiple times)" };
        var tag = new Option<string[]>("--tag") { Description = "only consider snapshots which include this taglist in the format `tag[,tag,...]` (can be specified multiple times)" };
        var path = new Option<string[]>("--path") { Description = "only consider snapshots which include this (absolute) path (can be specified multiple times)" };
        var compact = new Option<bool>("--compact", "-c") { Description = "use compact output format" };
        var groupBy = new Option<string>("--group-by", "-g") { Description = "string for grouping snapshots by host,paths,tags", DefaultValueFactory = _ => "host,paths" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "do not delete anything, just print what would be done" };
        var prune = new Option<bool>("--prune") { Description = "automatically run the 'prune' command if snapshots have been removed" };
        var unsafeAllowRemoveAll = new Option<bool>("--unsafe-allow-remove-all") { Description = "allow deleting all snapshots of a snapshot group" };
        var skipOffsite = new Option<bool>("--skip-offsite") { Description = "with a lifeboat.yaml that has an offsite: repository: leave it alone (by default its snapshots are forgotten by the same retention)" };
        var pruneOptions = new PruneOptionSet();
        var command = new Command("forget", """
            Remove snapshots from the repository

            With a lifeboat.yaml (stack mode, no -r): forget [APP...] applies each app's retention (its own, else the
            stack's) to that app's snapshots, also in the offsite repository; --keep-* flags replace it for this run.
            Examples: lifeboat forget --dry-run          lifeboat forget plex --keep-last 3 --prune
            """)
        {
            ids, host, tag, path, compact, groupBy, dryRun, prune, unsafeAllowRemoveAll, skipOffsite,
        };
        policyOptions.AddTo(command);
        pruneOptions.AddTo(command);
        var notify = NotifyOption.Create();
        command.Options.Add(notify);
        command.SetAction((parse, ct) => NotifyOption.RunAsync(global, parse, notify, Lifeboat.Stack.Operations.JobKind.Forget, [], job => Program.Run(async () =>
        {
            var ctx = new CommandContext(global, parse, job);
            bool isDryRun = parse.GetValue(dryRun);
            var prunePlanOptions = pruneOptions.Get(parse, isDryRun);
            var policy = policyOptions.Get(parse);
            ForgetGrouping grouping;
            try { grouping = ForgetGrouping.Parse(parse.GetValue(groupBy) ?? "host,paths"); }
            catch (FormatException e) { throw new CliException(e.Message); }
            if (ctx.NoLock && !isDryRun) throw new CliException("--no-lock is only applicable in combination with --dry-run for forget command");
            var filter = new SnapshotFilter
            {
                Hosts = parse.GetValue(host) ?? [],
                Paths = parse.GetValue(path) ?? [],
                TagGroups = SnapshotFilter.ParseTags(parse.GetValue(tag) ?? []),
            };
            if (ctx.StackConfig is { } stack && !Stack.StackForgetCommand.NamesSnapshots(stack, parse.GetValue(ids) ?? []))
            {
                return await Stack.StackForgetCommand.RunAsync(ctx, stack, new Stack.StackForgetRequest
                {
                    Apps = parse.GetValue(ids) ?? [],
                    CommandLinePolicy = policy.IsEmpty ? null : policy,
                    // --group-by only when given: the stack's default is by host within each app
                    Grouping = parse.GetResult(groupBy) is { Implicit: false } ? grouping : null,
                    Filter = filter,
                    Compact = parse.GetValue(compact),
                    DryRun = isDryRun,
                    Prune = parse.GetValue(prune),
                    PruneOptions = prunePlanOptions,
                    SkipOffsite = parse.GetValue(skipOffsite),
                }, ct);
            }

            await using var repo = await ctx.OpenRepositoryAsync(ct);
            // prune's options are refused before any snapshot is (restic 0.18 refuses them only once it prunes)
            if (parse.GetValue(prune)) Pruner.CheckOptions(repo.Options, repo.Version, prunePlanOptions);
            // restic 0.14 locks exclusively even for a dry run, unless --no-lock is given with it.
            await using var repoLock = await ctx.LockAsync(repo, exclusive: true, ct, loadIndex: parse.GetValue(prune));
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
                // restic 0.17: an empty policy is an error, unless --unsafe-allow-remove-all (with a snapshot filter)
                // asks for every snapshot the filter selects to go
                bool removeAll = policy.IsEmpty && parse.GetValue(unsafeAllowRemoveAll);
                if (policy.IsEmpty && !removeAll) throw new CliException("no policy was specified, no snapshots will be removed");
                if (removeAll && filter.IsEmpty) throw new CliException("--unsafe-allow-remove-all is not allowed unless a snapshot filter option is specified");
                if (!ctx.Json) ctx.Info(removeAll ? "Applying Policy: remove all snapshots" : $"Applying Policy: {policy}");
                foreach (var (key, members) in grouping.Group(snapshots))
                {
                    var decision = removeAll ? new ForgetDecision([], [.. members], []) : policy.Apply(members);
                    // restic 0.17: a policy that would leave a group empty (a --keep-tag no snapshot has) is refused
                    if (!removeAll && decision.Keep.Count == 0)
                        throw new CliException($"refusing to delete last snapshot of snapshot group \"{ForgetOutput.GroupKeyText(key)}\"");
                    groups.Add((key, decision));
                    toRemove.AddRange(decision.Remove);
                    if (ctx.Json || ctx.Quiet) continue;
                    ForgetOutput.PrintGroup(ctx, key, decision, parse.GetValue(compact), header: ctx.Verbosity >= 1);
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
                    ForgetOutput.PrintWouldRemove(ctx, removeIds);
            }
            if (ctx.Json && groups.Count > 0) JsonOutput.Line(w => ForgetOutput.WriteGroups(w, groups));

            if (removeIds.Count > 0 && parse.GetValue(prune))
            {
                if (!ctx.Json)
                    ctx.Info(isDryRun ? $"{removeIds.Count} snapshots would be removed, running prune dry run" : $"{removeIds.Count} snapshots have been removed, running prune");
                await PruneCommand.RunAsync(ctx, repo, prunePlanOptions, ct);
            }
            return ExitCodes.Ok;
        }, ct)));
        return command;
    }
}
