using Lifeboat.Engine.Maintenance;
using Lifeboat.Stack.Configuration;
using Repo = Lifeboat.Engine.Repository.Repository;

namespace Lifeboat.Stack.Scenarios;

/// <summary>What one offsite copy did: snapshots copied, snapshots the offsite repository already had.</summary>
public sealed record OffsiteCopyResult(int Copied, int AlreadyThere, TimeSpan Duration);

/// <summary>
/// The 3-2-1 step after a backup run: every snapshot of the stack's apps that the offsite repository lacks is copied there
/// (restic's copy: blobs it already holds are not sent again). Copying all that is missing, not just this run's, means a
/// run whose copy failed (the offsite store was down) is caught up by the next one.
/// </summary>
public static class OffsiteCopy
{
    public static async Task<OffsiteCopyResult> RunAsync(Repo primary, Repo offsite, IReadOnlyList<AppConfig> apps, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var histories = await StackSnapshots.ListAsync(primary, apps, cancellationToken).ConfigureAwait(false);
        var snapshots = histories.SelectMany(h => h.Snapshots).DistinctBy(s => s.Id).OrderBy(s => s.Time).ToList();
        var outcomes = await new CopyOperation(primary, offsite).RunAsync(snapshots, null, null, cancellationToken).ConfigureAwait(false);
        return new OffsiteCopyResult(outcomes.Count(o => o.NewId is not null), outcomes.Count(o => o.ExistingCopy is not null), clock.Elapsed);
    }
}
