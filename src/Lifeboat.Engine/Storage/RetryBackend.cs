using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Lifeboat.Engine.Storage;

/// <summary>
/// Retries transient failures (<see cref="BackendException.IsTransient"/>) of any backend with the policy's backoff, reporting
/// each retry; not-found and permanent failures pass straight through. Saves are retried by reading their source again; a
/// listing interrupted half way is started again and skips what it already returned; a stream that fails half way is opened
/// again at the first byte it has not yet handed out.
/// </summary>
public sealed class RetryBackend(IBackend inner, RetryPolicy policy, Action<RetryNotice>? report = null) : BackendDecorator(inner)
{
    /// <summary>Whether a failure after <paramref name="retry"/> - 1 retries over <paramref name="elapsed"/> is retried.</summary>
    private bool Retries(BackendException e, int retry, TimeSpan elapsed, CancellationToken cancellationToken) =>
        e.IsTransient && retry <= policy.MaxRetries && elapsed < policy.MaxElapsed && !cancellationToken.IsCancellationRequested;

    /// <summary>Reports a retry and waits its delay.</summary>
    private Task BackOffAsync(string operation, FileType type, string name, int retry, BackendException e, CancellationToken cancellationToken)
    {
        var delay = policy.Delay(retry);
        report?.Invoke(new RetryNotice(operation, type, name, retry, delay, e));
        return Task.Delay(delay, cancellationToken);
    }

    private async Task<T> RunAsync<T>(string operation, FileType type, string name, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        for (int retry = 1; ; retry++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (BackendException e) when (Retries(e, retry, started.Elapsed, cancellationToken))
            {
                await BackOffAsync(operation, type, name, retry, e, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task RunAsync(string operation, FileType type, string name, Func<CancellationToken, Task> attempt, CancellationToken cancellationToken) =>
        RunAsync<bool>(operation, type, name, async ct => { await attempt(ct).ConfigureAwait(false); return true; }, cancellationToken);

    public override Task CreateAsync(CancellationToken cancellationToken) =>
        RunAsync("Create", FileType.Config, "", Inner.CreateAsync, cancellationToken);

    public override Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken) =>
        RunAsync("Stat", type, name, ct => Inner.StatAsync(type, name, ct), cancellationToken);

    public override Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        RunAsync("Load", type, name, ct => Inner.ReadAsync(type, name, offset, destination, ct), cancellationToken);

    public override async Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken)
    {
        var stream = await RunAsync("Load", type, name, ct => Inner.OpenReadAsync(type, name, offset, length, ct), cancellationToken).ConfigureAwait(false);
        return new ResumingStream(this, stream, type, name, offset, length);
    }

    /// <summary>
    /// A stream that, on a transient failure, opens the rest of its range again and goes on reading; the policy bounds each
    /// run of failures without a byte in between, and every retry is reported like any other.
    /// </summary>
    private sealed class ResumingStream(RetryBackend backend, Stream first, FileType type, string name, long offset, long length) : ReadOnlyWrappingStream(null)
    {
        private Stream? _current = first;
        private long _done;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.Length == 0 || _done == length) return 0;
            Stopwatch? failing = null;
            for (int retry = 1; ; retry++)
            {
                try
                {
                    _current ??= await backend.Inner.OpenReadAsync(type, name, offset + _done, length - _done, cancellationToken).ConfigureAwait(false);
                    int n = await _current.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    _done += n;
                    return n;
                }
                catch (BackendException e) when (backend.Retries(e, retry, (failing ??= Stopwatch.StartNew()).Elapsed, cancellationToken))
                {
                    // Closed before it is opened again: the broken stream's connection is not held through the wait.
                    await DisposeCurrentAsync().ConfigureAwait(false);
                    await backend.BackOffAsync("Load", type, name, retry, e, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async ValueTask DisposeCurrentAsync()
        {
            var current = _current;
            _current = null;
            if (current is not null) await current.DisposeAsync().ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _current?.Dispose();
                _current = null;
            }
            base.Dispose(disposing);
        }
    }

    public override Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken) =>
        RunAsync("Load", type, name, ct => Inner.ReadAllAsync(type, name, ct), cancellationToken);

    public override Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken) =>
        RunAsync("Save", type, name, ct => Inner.SaveAsync(type, name, source, ct), cancellationToken);

    public override Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken) =>
        RunAsync("Remove", type, name, ct => Inner.DeleteAsync(type, name, ct), cancellationToken);

    public override async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var started = Stopwatch.StartNew();
        for (int retry = 1; ; retry++)
        {
            var batch = new List<BackendFile>();
            BackendException? failure = null;
            await using (var e = Inner.ListAsync(type, cancellationToken).GetAsyncEnumerator(cancellationToken))
            {
                while (true)
                {
                    // Items are handed out as they come; only a failure before the end starts the listing again.
                    try
                    {
                        if (!await e.MoveNextAsync().ConfigureAwait(false)) break;
                    }
                    catch (BackendException ex) when (ex.IsTransient && retry <= policy.MaxRetries && started.Elapsed < policy.MaxElapsed && !cancellationToken.IsCancellationRequested)
                    {
                        failure = ex;
                        break;
                    }
                    if (seen.Add(e.Current.Name)) batch.Add(e.Current);
                    if (batch.Count >= 256)
                    {
                        foreach (var f in batch) yield return f;
                        batch.Clear();
                    }
                }
            }
            foreach (var f in batch) yield return f;
            if (failure is null) yield break;
            var delay = policy.Delay(retry);
            report?.Invoke(new RetryNotice("List", type, "", retry, delay, failure));
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }
}
