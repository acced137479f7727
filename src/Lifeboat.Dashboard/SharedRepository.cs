using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Hosting;

namespace Lifeboat.Dashboard;

/// <summary>
/// One opened repository with its index loaded, shared by the page's reads (a folder, the snapshot list, a restore's
/// plan): opening and loading the index per click is what makes browsing a remote repository slow. It is opened again
/// when the repository's index files are not those it loaded (their names are listed, at most once a second: cheap,
/// one list call) and after a job of the page's or the schedule's has ended (<see cref="Invalidate"/>). Concurrent
/// requests share it (the repository's reads are safe to run at once); one that was replaced is disposed when the
/// last request holding it ends. It takes no lock, as the tree reads did not: a download locks its own handle.
/// </summary>
public sealed class SharedRepository(RepositoryAccess access, TimeProvider time) : IAsyncDisposable
{
    /// <summary>How long a listing of the index files stands for: a burst of clicks lists once.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Holder? _current;
    private int _stale;
    private DateTimeOffset _checked;

    /// <summary>The next request opens the repository again (a job may have added or removed index files and snapshots).</summary>
    public void Invalidate() => Interlocked.Exchange(ref _stale, 1);

    /// <summary>The shared repository, held until the lease is disposed.</summary>
    public async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _current;
            var now = time.GetUtcNow();
            if (current is not null && Interlocked.Exchange(ref _stale, 0) == 0)
            {
                if (now - _checked < CheckInterval) return current.Lease();
                if (await SameIndexAsync(current.Repository, cancellationToken).ConfigureAwait(false))
                {
                    _checked = now;
                    return current.Lease();
                }
            }
            var repository = await access.OpenRepositoryAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await access.LockAsync(repository, new LockRequest(Exclusive: false) { LoadIndex = true, Skip = true }, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await repository.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            var fresh = new Holder(repository);
            _current = fresh;
            _checked = time.GetUtcNow();
            var lease = fresh.Lease();
            if (current is not null) await current.RetireAsync().ConfigureAwait(false);
            return lease;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<bool> SameIndexAsync(Repository repository, CancellationToken cancellationToken)
    {
        var listed = await repository.ListIdsAsync(FileType.Index, cancellationToken).ConfigureAwait(false);
        var loaded = repository.IndexFiles;
        return listed.Count == loaded.Count && listed.ToHashSet().SetEquals(loaded);
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_current is { } current) await current.RetireAsync().ConfigureAwait(false);
            _current = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A request's hold on the shared repository.</summary>
    public sealed class Lease : IAsyncDisposable
    {
        private Holder? _holder;

        internal Lease(Holder holder) => _holder = holder;

        public Repository Repository => (_holder ?? throw new ObjectDisposedException(nameof(Lease))).Repository;

        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _holder, null)?.ReleaseAsync() ?? ValueTask.CompletedTask;
    }

    /// <summary>The repository and how many requests hold it; disposed once it is replaced and none does.</summary>
    internal sealed class Holder(Repository repository)
    {
        private int _leases;
        private bool _retired;
        private int _disposed;

        public Repository Repository { get; } = repository;

        public Lease Lease()
        {
            Interlocked.Increment(ref _leases);
            return new Lease(this);
        }

        public ValueTask RetireAsync()
        {
            Volatile.Write(ref _retired, true);
            return Volatile.Read(ref _leases) == 0 ? DisposeOnceAsync() : ValueTask.CompletedTask;
        }

        public ValueTask ReleaseAsync() =>
            Interlocked.Decrement(ref _leases) == 0 && Volatile.Read(ref _retired) ? DisposeOnceAsync() : ValueTask.CompletedTask;

        // the last release and the retirement may both see no lease left
        private ValueTask DisposeOnceAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 ? Repository.DisposeAsync() : ValueTask.CompletedTask;
    }
}
