using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Cli.Commands.Stack;

/// <summary>
/// `lifeboat forget [APP...] [--dry-run] [--prune] [--json]` in stack mode: each app's retention from lifeboat.yaml
/// applied to its snapshots, grouped by host; --keep-* flags on the command line replace it for the selected apps.
/// </summary>
public static partial class StackForgetCommand
{
    /// <summary>
    /// True when the arguments are snapshot IDs rather than apps (none names an app, all are hex): then forget
    /// removes exactly those snapshots, as restic's `forget ID...` does. Apps and IDs mixed is an error.
    /// </summary>
    public static bool NamesSnapshots(StackConfig config, IReadOnlyCollection<string> arguments)
    {
        if (arguments.Count == 0) return false;
        var apps = arguments.Where(a => config.FindApp(a) is not null).ToList();
        var ids = arguments.Where(a => config.FindApp(a) is null && SnapshotIdPattern().IsMatch(a)).ToList();
        if (apps.Count > 0 && ids.Count > 0)
            throw new CliException($"forget takes app names or snapshot IDs, not both: {ids[0]} is not an app in {config.File}");
        return ids.Count == arguments.Count;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]{4,64}$")]
    private static partial System.Text.RegularExpressions.Regex SnapshotIdPattern();

    public static async Task<int> RunAsync(CommandContext ctx, StackConfig config, StackForgetRequest request, CancellationToken cancellationToken)
    {
        var apps = config.SelectApps(request.Apps);
        // nothing to apply anywhere: say so before the repository is even opened
        if (request.CommandLinePolicy is null && apps.All(a => config.RetentionFor(a) is null))
        {
            throw new CliException(request.Apps.Count == 0
                ? $"{config.File} has no retention: add a top-level retention: section (e.g. retention: {{keep-daily: 7, keep-weekly: 4}}) or one per app, or give --keep-* flags"
                : $"{string.Join(", ", apps.Select(a => a.Name))}: no retention in {config.File}: add retention: under the app or at the top level (e.g. retention: {{keep-daily: 7}}), or give --keep-* flags");
        }

        var offsite = request.SkipOffsite ? null : config.Offsite;
        var results = new List<(string? Role, IReadOnlyList<AppForgetPlan> Plans)>();
        await using (var repo = await ctx.OpenRepositoryAsync(cancellationToken))
            results.Add((offsite is null ? null : "primary", await ForgetInAsync(ctx, config, repo, apps, request, cancellationToken)));

        bool failed = false;
        if (offsite is not null)
        {
            // the same retention off site: what is forgotten here is forgotten there, so the offsite copy does not grow forever
            var location = Engine.Storage.BackendFactory.Redact(offsite.Repository);
            if (!ctx.Json && !ctx.Quiet) ctx.Out.WriteLine($"offsite {location}:");
            try
            {
                await using var target = await ctx.OpenOffsiteRepositoryAsync(config, offsite, cancellationToken);
                results.Add(("offsite", await ForgetInAsync(ctx, config, target, apps, request, cancellationToken)));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ctx.Error.WriteLine($"offsite {location}: FAILED: {Display.Text(e.Message)}; the primary repository's snapshots were forgotten, the next forget catches up off site");
                failed = true;
            }
        }

        if (ctx.Json)
        {
            // [{"app": "plex", "groups": [restic's forget groups]}, ...]; apps without a policy are left out; with an offsite
            // repository each object also names its repository ("primary" or "offsite")
            JsonOutput.Line(w =>
            {
                w.WriteStartArray();
                foreach (var (role, plans) in results)
                foreach (var plan in plans.Where(p => !p.Skipped))
                {
                    w.WriteStartObject();
                    w.WriteString("app", plan.App.Name);
                    if (role is not null) w.WriteString("repository", role);
                    w.WritePropertyName("groups");
                    ForgetOutput.WriteGroups(w, plan.Groups);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
        }
        return failed ? ExitCodes.Fatal : ExitCodes.Ok;
    }

    /// <summary>Applies each app's retention in one repository (and prunes it when asked); returns the plans.</summary>
    private static async Task<IReadOnlyList<AppForgetPlan>> ForgetInAsync(CommandContext ctx, StackConfig config, Engine.Repository.Repository repo,
        IReadOnlyList<AppConfig> apps, StackForgetRequest request, CancellationToken cancellationToken)
    {
        // restic 0.14 locks exclusively even for a dry run, unless --no-lock is given with it (ForgetCommand checks that)
        await using var repoLock = await ctx.LockAsync(repo, exclusive: true, cancellationToken, loadIndex: request.Prune);
        var plans = await StackForget.PlanAsync(repo, config, apps, request.CommandLinePolicy,
            request.Grouping ?? StackForget.DefaultGrouping, request.Filter, cancellationToken);

        var removed = new HashSet<Id>();
        foreach (var plan in plans)
        {
            if (plan.Skipped)
            {
                ctx.Info($"{plan.App.Name}: no retention in {Path.GetFileName(config.File)}; nothing removed");
                continue;
            }
            if (!ctx.Json && !ctx.Quiet)
            {
                ctx.Out.WriteLine($"app {plan.App.Name}");
                ctx.Out.WriteLine($"Applying Policy: {plan.Policy}{(request.CommandLinePolicy is null ? "" : " (from the command line)")}");
                if (plan.Groups.Count == 0) ctx.Out.WriteLine("no snapshots\n");
                // the header tells the groups apart when there are several (an old host's snapshots)
                foreach (var (key, decision) in plan.Groups)
                    ForgetOutput.PrintGroup(ctx, key, decision, request.Compact, header: plan.Groups.Count > 1 || ctx.Verbosity >= 1);
            }
            if (request.DryRun)
            {
                var ids = plan.Remove.Select(s => s.Id).Where(removed.Add).ToList();
                if (ids.Count > 0 && !ctx.Json && !ctx.Quiet) ForgetOutput.PrintWouldRemove(ctx, ids);
            }
            else await StackForget.RemoveAsync(repo, plan, removed, cancellationToken);
        }

        // one prune for all apps, as restic prunes once after forget
        if (removed.Count > 0 && request.Prune)
        {
            if (!ctx.Json)
                ctx.Info(request.DryRun ? $"{removed.Count} snapshots would be removed, running prune dry run" : $"{removed.Count} snapshots have been removed, running prune");
            await PruneCommand.RunAsync(ctx, repo, request.PruneOptions, cancellationToken);
        }
        return plans;
    }
}
