using Lifeboat.Engine;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// forget per app: each app's retention (its own, else the stack's) applied to its snapshots (tag app:NAME),
/// grouped by host. Not by paths, as restic's default would: editing an app's paths would otherwise start a
/// new group and leave the old one's newest snapshots kept forever.
/// </summary>
public static class StackForget
{
    /// <summary>Within an app: one group per host (this machine's snapshots, and apart from them any other host's).</summary>
    public static ForgetGrouping DefaultGrouping => new(ByHost: true, ByPaths: false, ByTags: false);

    /// <param name="policyOverride">A policy given on the command line: it replaces every selected app's retention.</param>
    /// <param name="filter">Further narrows each app's snapshots (--host, --tag, --path).</param>
    public static async Task<IReadOnlyList<AppForgetPlan>> PlanAsync(Repo repository, StackConfig config, IReadOnlyList<AppConfig> apps,
        ForgetPolicy? policyOverride, ForgetGrouping grouping, SnapshotFilter filter, CancellationToken cancellationToken)
    {
        var histories = await StackSnapshots.ListAsync(repository, apps, cancellationToken).ConfigureAwait(false);
        var plans = new List<AppForgetPlan>();
        foreach (var history in histories)
        {
            var policy = policyOverride ?? config.RetentionFor(history.App);
            if (policy is null)
            {
                plans.Add(new AppForgetPlan(history.App, null, []));
                continue;
            }
            var groups = grouping.Group(history.Snapshots.Where(filter.Matches))
                // this machine's group first; the others (an old VM's name, say) in order of their first snapshot
                .OrderBy(g => g.Key.Hostname == config.Host ? 0 : 1)
                .Select(g => (g.Key, policy.Apply(g.Snapshots)))
                .ToList();
            plans.Add(new AppForgetPlan(history.App, policy, groups));
        }
        return plans;
    }

    /// <summary>
    /// Deletes the snapshot files an app's plan removes and returns their IDs; <paramref name="removed"/> collects them
    /// across apps, so that a snapshot carrying two app tags is deleted once.
    /// </summary>
    public static async Task<IReadOnlyList<Id>> RemoveAsync(Repo repository, AppForgetPlan plan, ISet<Id> removed, CancellationToken cancellationToken)
    {
        var ids = plan.Remove.Select(s => s.Id).Where(removed.Add).ToList();
        foreach (var id in ids)
            await repository.DeleteFileAsync(FileType.Snapshot, id, cancellationToken).ConfigureAwait(false);
        return ids;
    }
}
