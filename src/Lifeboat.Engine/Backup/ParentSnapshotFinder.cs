using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Backup;

/// <summary>The parent snapshot of a backup: the one whose unchanged files and trees it may reuse.</summary>
internal static class ParentSnapshotFinder
{
    /// <summary>
    /// None with --force; the given one with --parent; else, as restic does, the newest snapshot of this host whose
    /// paths include all of <paramref name="absolutePaths"/>.
    /// </summary>
    public static async Task<Snapshot?> FindAsync(Repository.Repository repository, BackupOptions options, IReadOnlyList<string> absolutePaths,
        CancellationToken cancellationToken)
    {
        if (options.Force) return null;
        if (options.Parent is { } parentId) return await repository.LoadSnapshotAsync(parentId, cancellationToken).ConfigureAwait(false);
        var filter = new SnapshotFilter { Hosts = [options.Hostname], Paths = absolutePaths };
        var all = await repository.ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        return all.Where(s => filter.Matches(s)).OrderBy(s => s.Time).LastOrDefault();
    }
}
