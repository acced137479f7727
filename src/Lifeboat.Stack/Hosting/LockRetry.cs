using System.Diagnostics;
using Lifeboat.Engine;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Stack.Hosting;

/// <summary>
/// restic's --retry-lock: while another process holds a conflicting live lock, try again with growing waits until the
/// duration has passed, then once more; that last attempt's error is the one reported. Stale locks never block (the
/// engine ignores them), so only a live holder is waited for.
/// </summary>
public static class LockRetry
{
    /// <summary>What restic says once, when it starts to wait.</summary>
    public static string WaitingMessage(TimeSpan duration) => $"repo already locked, waiting up to {GoDuration.Format(duration)} for the lock";

    /// <param name="whileLocking">
    /// Read-only loading to do under the lock (see <see cref="RepositoryLock.AcquireAsync"/>). Without retries it runs
    /// during the lock's re-check wait; with them, once the lock is held: a load done during the wait and then met by
    /// another process's new lock at the re-check could not be used (an index loaded then may lack what that process
    /// writes), and could not be retried either (it adds to the index it loads), so a waiting prune would fail
    /// whenever a backup started in the same instant, which is what a prune waiting beside busy backups meets.
    /// </param>
    /// <param name="waiting">Told <see cref="WaitingMessage"/> once, when the first attempt found the repository locked.</param>
    public static async Task<RepositoryLock> AcquireAsync(Repository repository, bool exclusive, LockRetryPolicy? retry,
        Func<CancellationToken, Task>? whileLocking, Action<string>? waiting, CancellationToken cancellationToken)
    {
        if (retry is null || retry.Duration <= TimeSpan.Zero)
            return await RepositoryLock.AcquireAsync(repository, exclusive, cancellationToken, whileLocking).ConfigureAwait(false);

        var held = await AcquireWithRetriesAsync(repository, exclusive, retry, waiting, cancellationToken).ConfigureAwait(false);
        if (whileLocking is null) return held;
        try
        {
            await whileLocking(cancellationToken).ConfigureAwait(false);
            return held;
        }
        catch
        {
            await held.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<RepositoryLock> AcquireWithRetriesAsync(Repository repository, bool exclusive, LockRetryPolicy retry,
        Action<string>? waiting, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var wait = retry.FirstWait < retry.Duration ? retry.FirstWait : retry.Duration;
        bool told = false;
        while (true)
        {
            try
            {
                return await RepositoryLock.AcquireAsync(repository, exclusive, cancellationToken).ConfigureAwait(false);
            }
            catch (RepositoryException e) when (e.Kind == RepositoryErrorKind.Locked)
            {
                if (!told)
                {
                    waiting?.Invoke(WaitingMessage(retry.Duration));
                    told = true;
                }
                var left = retry.Duration - clock.Elapsed;
                if (left <= wait)
                {
                    // the deadline comes first: one last attempt then, and its outcome is final. Timers run on a
                    // coarse tick and may fire a few milliseconds early, so wait until the stopwatch agrees.
                    while ((left = retry.Duration - clock.Elapsed) > TimeSpan.Zero)
                        await Task.Delay(left + TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
                    return await RepositoryLock.AcquireAsync(repository, exclusive, cancellationToken).ConfigureAwait(false);
                }
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                wait = wait * 2 < retry.MaxWait ? wait * 2 : retry.MaxWait;
            }
        }
    }
}
