using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// A lock held on a repository, compatible with restic 0.14: written as a lock file, checked against the
/// other locks before and 200 ms after writing, refreshed every 5 minutes (new file, then the old one removed)
/// so that nobody judges it stale, and deleted on dispose.
/// </summary>
public sealed class RepositoryLock : IAsyncDisposable
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(5);
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
            await repository.Backend.DeleteAsync(FileType.Lock, id.ToString(), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return new RepositoryLock(repository, exclusive, id);
    }

    private static Task<Id> WriteAsync(Repository repository, bool exclusive, CancellationToken cancellationToken)
    {
        var info = new LockInfo(GoTime.Now(), exclusive, Posix.HostName, Environment.UserName, Posix.GetPid(), Posix.GetUid(), Posix.GetGid());
        return repository.SaveUnpackedAsync(FileType.Lock, info.ToJson(), cancellationToken);
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
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RefreshInterval, _stop.Token).ConfigureAwait(false);
                var fresh = await WriteAsync(_repository, _exclusive, _stop.Token).ConfigureAwait(false);
                var old = _current;
                _current = fresh;
                await _repository.Backend.DeleteAsync(FileType.Lock, old.ToString(), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (Exception) { /* a failed refresh is retried at the next interval */ }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _refresher.ConfigureAwait(false); } catch (OperationCanceledException) { }
        try
        {
            await _repository.Backend.DeleteAsync(FileType.Lock, _current.ToString(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException) { }
        _stop.Dispose();
    }
}
