using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// A lock held on a repository, compatible with restic 0.14: written as a lock file, checked against the
/// other locks before and 200 ms after writing, refreshed every 5 minutes (new file, then the old one removed)
/// so that nobody judges it stale, and deleted on dispose. A refresh that fails is tried again sooner; when none has
/// succeeded for so long that the lock would soon look stale to other hosts, every operation on the repository is
/// stopped with a clear error (as restic cancels its context), never run on unprotected.
/// </summary>
public sealed class RepositoryLock : IAsyncDisposable
{
    private static readonly TimeSpan RecheckDelay = TimeSpan.FromMilliseconds(200);

    private readonly Repository _repository;
    private readonly bool _exclusive;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _refresher;
    private Id _current;

    private RepositoryLock(Repository repository, bool exclusive, Id current)
    {
        _repository = repository;
        _exclusive = exclusive;
        _current = current;
        _refresher = Task.Run(RefreshLoopAsync);
    }

    /// <param name="whileConfirming">
    /// Read-only work (loading the index) to run during the wait between writing the lock file and re-checking
    /// the other locks. It runs under the written lock: a prune that started earlier is seen by the re-check (and
    /// this acquisition fails, its results unused), one that starts later sees this lock. It must not write.
    /// </param>
    public static async Task<RepositoryLock> AcquireAsync(Repository repository, bool exclusive, CancellationToken cancellationToken,
        Func<CancellationToken, Task>? whileConfirming = null)
    {
        await CheckConflictsAsync(repository, exclusive, null, cancellationToken).ConfigureAwait(false);
        var id = await WriteAsync(repository, exclusive, cancellationToken).ConfigureAwait(false);
        try
        {
            var wait = Task.Delay(RecheckDelay, cancellationToken);
            if (whileConfirming is not null) await whileConfirming(cancellationToken).ConfigureAwait(false);
            await wait.ConfigureAwait(false);
            await CheckConflictsAsync(repository, exclusive, id, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await repository.LockStorage.DeleteAsync(FileType.Lock, id.ToString(), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return new RepositoryLock(repository, exclusive, id);
    }

    private static Task<Id> WriteAsync(Repository repository, bool exclusive, CancellationToken cancellationToken)
    {
        var info = new LockInfo(GoTime.Now(), exclusive, Posix.HostName, Environment.UserName, Posix.GetPid(), Posix.GetUid(), Posix.GetGid());
        return repository.SaveUnpackedAsync(FileType.Lock, info.ToJson(), cancellationToken, repository.LockStorage);
    }

    private static async Task CheckConflictsAsync(Repository repository, bool exclusive, Id? own, CancellationToken cancellationToken)
    {
        foreach (var id in await repository.ListIdsAsync(FileType.Lock, cancellationToken).ConfigureAwait(false))
        {
            if (id == own) continue;
            LockInfo info;
            try
            {
                info = LockInfo.Parse(await repository.LoadUnpackedAsync(FileType.Lock, id, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is RepositoryException or BackendFileNotFoundException or System.Text.Json.JsonException or FormatException)
            {
                continue; // restic 0.14 ignores locks it cannot read (they may be vanishing right now)
            }
            // A lock left by a process that is gone (this host, dead PID) or not refreshed for 30 minutes holds
            // nothing: ignore it, as newer restic does, so a crashed run does not block the next nightly one.
            // It stays on disk for `unlock` (restic 0.14 itself still honours it until then).
            if (info.IsStale(Posix.HostName, Posix.ProcessExists)) continue;
            if (exclusive || info.Exclusive)
                throw new RepositoryException(RepositoryErrorKind.Locked,
                    $"repository is already locked: {info.Describe(id)}; if that process is gone, run unlock");
        }
    }

    public static async Task<List<(Id Id, LockInfo Info)>> ListAsync(Repository repository, CancellationToken cancellationToken)
    {
        var result = new List<(Id, LockInfo)>();
        foreach (var id in await repository.ListIdsAsync(FileType.Lock, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                result.Add((id, LockInfo.Parse(await repository.LoadUnpackedAsync(FileType.Lock, id, cancellationToken).ConfigureAwait(false))));
            }
            catch (Exception e) when (e is RepositoryException or BackendFileNotFoundException or System.Text.Json.JsonException or FormatException) { }
        }
        return result;
    }

    private async Task RefreshLoopAsync()
    {
        var interval = _repository.Options.LockRefreshInterval;
        // restic's margin: give up while there is still time before other hosts may take the lock for stale.
        var deadline = _repository.Options.LockStaleAfter - interval * 3 / 2;
        if (deadline <= TimeSpan.Zero) deadline = _repository.Options.LockStaleAfter / 2;
        var lastRefresh = System.Diagnostics.Stopwatch.StartNew();
        var wait = interval;
        Exception? lastError = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, _stop.Token).ConfigureAwait(false);
                var left = deadline - lastRefresh.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    Lose(lastError);
                    return;
                }
                // One attempt may not outlast the deadline, however long the backend's own retries would wait.
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                attempt.CancelAfter(left);
                var fresh = await WriteAsync(_repository, _exclusive, attempt.Token).ConfigureAwait(false);
                var old = _current;
                _current = fresh;
                lastRefresh.Restart();
                lastError = null;
                wait = interval;
                try { await _repository.LockStorage.DeleteAsync(FileType.Lock, old.ToString(), attempt.Token).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested) { /* an old lock file left behind is stale soon */ }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                // Try again sooner than the interval: the lock must be refreshed before the deadline.
                lastError = e;
                wait = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, Math.Min(interval.Ticks / 5, (deadline - lastRefresh.Elapsed).Ticks)));
            }
        }
    }

    private void Lose(Exception? cause)
    {
        var reason = cause is null ? "" : $" ({cause.Message})";
        _repository.StopOperations(new RepositoryException(RepositoryErrorKind.Fatal,
            $"the repository lock could not be refreshed for {Format(_repository.Options.LockStaleAfter - _repository.Options.LockRefreshInterval * 3 / 2)}{reason}: " +
            "stopped before other hosts could take it for stale; check the connection to the repository and run again"));
    }

    private static string Format(TimeSpan span) => span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} minutes" : $"{span.TotalSeconds:0.#} seconds";

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _refresher.ConfigureAwait(false); } catch (OperationCanceledException) { }
        try
        {
            await _repository.LockStorage.DeleteAsync(FileType.Lock, _current.ToString(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException) { }
        catch (RepositoryException) { }
        _stop.Dispose();
    }
}
