using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Maintenance;

/// <summary>restic's unlock: removes stale locks (older than 30 minutes, or from this host with the process gone), or all locks.</summary>
public static class Unlocker
{
    /// <summary>Removes the locks; returns how many were removed.</summary>
    public static async Task<int> RemoveLocksAsync(Repository.Repository repository, bool removeAll, CancellationToken cancellationToken,
        string? thisHost = null, Func<int, bool>? processExists = null)
    {
        thisHost ??= Posix.HostName;
        processExists ??= Posix.ProcessExists;
        int removed = 0;
        if (removeAll)
        {
            // Every lock file, readable or not, as restic's RemoveAllLocks does.
            foreach (var id in await repository.ListIdsAsync(FileType.Lock, cancellationToken).ConfigureAwait(false))
            {
                await repository.DeleteFileAsync(FileType.Lock, id, cancellationToken).ConfigureAwait(false);
                removed++;
            }
            return removed;
        }
        // Locks that cannot be read are left alone: they may be being written right now.
        foreach (var (id, info) in await Repository.RepositoryLock.ListAsync(repository, cancellationToken).ConfigureAwait(false))
        {
            if (!info.IsStale(thisHost, processExists)) continue;
            await repository.DeleteFileAsync(FileType.Lock, id, cancellationToken).ConfigureAwait(false);
            removed++;
        }
        return removed;
    }
}
