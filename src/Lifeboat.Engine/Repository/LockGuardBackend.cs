using System.Runtime.CompilerServices;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// The repository's access to storage while a lock is held: once the lock can no longer be refreshed, every operation
/// under way is cancelled and every later one fails with the lock's error. Another host may take a lock that was not
/// refreshed for 30 minutes for stale; writing on past that point could break what it does (restic cancels its context).
/// </summary>
internal sealed class LockGuardBackend(IBackend inner) : BackendDecorator(inner)
{
    private readonly CancellationTokenSource _lost = new();
    private Exception? _failure;

    /// <summary>The storage without the guard: the lock's own refresh and removal.</summary>
    public IBackend Unguarded => Inner;

    public bool IsLost => _failure is not null;

    public void Fail(Exception failure)
    {
        Interlocked.CompareExchange(ref _failure, failure, null);
        _lost.Cancel();
    }

    private async Task<T> GuardAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        if (_failure is { } failure) throw failure;
        if (!cancellationToken.CanBeCanceled)
        {
            // Nothing to link: the lock's token alone.
            try { return await operation(_lost.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (_failure is not null) { throw _failure; }
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lost.Token);
        try
        {
            return await operation(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_failure is not null && !cancellationToken.IsCancellationRequested)
        {
            throw _failure;
        }
    }

    private Task GuardAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken) =>
        GuardAsync<bool>(async ct => { await operation(ct).ConfigureAwait(false); return true; }, cancellationToken);

    public override Task CreateAsync(CancellationToken cancellationToken) => GuardAsync(Inner.CreateAsync, cancellationToken);

    public override Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken) =>
        GuardAsync(ct => Inner.StatAsync(type, name, ct), cancellationToken);

    public override Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        GuardAsync(ct => Inner.ReadAsync(type, name, offset, destination, ct), cancellationToken);

    /// <summary>The stream is opened under the guard; its reads are the reader's.</summary>
    public override Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken) =>
        GuardAsync(ct => Inner.OpenReadAsync(type, name, offset, length, ct), cancellationToken);

    public override Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken) =>
        GuardAsync(ct => Inner.ReadAllAsync(type, name, ct), cancellationToken);

    public override Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken) =>
        GuardAsync(ct => Inner.SaveAsync(type, name, source, ct), cancellationToken);

    public override Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken) =>
        GuardAsync(ct => Inner.DeleteAsync(type, name, ct), cancellationToken);

    public override async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_failure is { } failure) throw failure;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lost.Token);
        await using var e = Inner.ListAsync(type, linked.Token).GetAsyncEnumerator(linked.Token);
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync().ConfigureAwait(false)) yield break;
            }
            catch (OperationCanceledException) when (_failure is not null && !cancellationToken.IsCancellationRequested)
            {
                throw _failure;
            }
            yield return e.Current;
        }
    }

    public override void Dispose()
    {
        _lost.Dispose();
        base.Dispose();
    }
}
