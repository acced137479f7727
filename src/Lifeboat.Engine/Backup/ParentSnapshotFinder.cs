using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Backup;

/// <summary>The parent snapshot of a backup: the one whose unchanged files and trees it may reuse.</summary>
internal static class ParentSnapshotFinder
{
    /// <summary>
    /// None with --force; the given one with --parent; else, as restic does, the newest snapshot of this host whose
    /// paths include all of <paramref name="absolutePaths"/> (what must match as --group-by chooses: host, paths, tags).
    /// </summary>
    public static async Task<Snapshot?> FindAsync(Repository.Repository repository, BackupOptions options, IReadOnlyList<string> absolutePaths,
        CancellationToken cancellationToken)
    {
        if (options.Force) return null;
        if (options.Parent is { } parentId) return await repository.LoadSnapshotAsync(parentId, cancellationToken).ConfigureAwait(false);
        var groupBy = options.ParentGroupBy;
        var filter = new SnapshotFilter
        {
            Hosts = groupBy.ByHost ? [options.Hostname] : [],
            Paths = groupBy.ByPaths ? absolutePaths : [],
            // restic's filter by an empty tag list matches every snapshot
            TagGroups = groupBy.ByTags && options.Tags.Count > 0 ? [options.Tags] : [],
        };
        var all = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        return all.Where(s => filter.Matches(s)).OrderBy(s => s.Time).LastOrDefault();
    }
}
