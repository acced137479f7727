using System.Runtime.ExceptionServices;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// Saves finished packs through the backend, at most <see cref="IBackend.Connections"/> at once, so that the worker that
/// filled a pack goes back to chunking instead of waiting for the upload. A worker that finishes a pack while every
/// uploader is busy waits for a free one: packs waiting to be sent never pile up beyond that. The first failed upload
/// fails every later call (and <see cref="DrainAsync"/>) with its error.
/// </summary>
internal sealed class PackUploader(IBackend backend)
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, backend.Connections));
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _running = [];
    private ExceptionDispatchInfo? _failure;

    public void ThrowIfFailed() => _failure?.Throw();

    /// <summary>Takes the finished pack (and disposes it); <paramref name="saved"/> runs once the backend holds it.</summary>
    public async Task EnqueueAsync(PackWriter pack, Id packId, Func<Task> saved, CancellationToken cancellationToken)
    {
        try
        {
            ThrowIfFailed();
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            pack.Dispose();
            throw;
        }
        var upload = Task.Run(async () =>
        {
            try
            {
                using (pack) await backend.SaveAsync(FileType.Pack, packId.ToString(), pack.File, cancellationToken).ConfigureAwait(false);
                await saved().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                lock (_lock) _failure ??= ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                _slots.Release();
            }
        }, CancellationToken.None);
        lock (_lock) _running.Add(upload);
        _ = upload.ContinueWith(t => { lock (_lock) _running.Remove(t); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits for every upload under way; throws the first failure.</summary>
    public async Task DrainAsync()
    {
        while (true)
        {
            Task[] running;
            lock (_lock) running = [.. _running];
            if (running.Length == 0) break;
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        ThrowIfFailed();
    }

    /// <summary>Waits for the uploads under way without judging them (after a failure elsewhere, so no upload outlives the command).</summary>
    public async Task AbandonAsync()
    {
        try { await DrainAsync().ConfigureAwait(false); }
        catch (Exception) { /* the command is failing already; its own error is the one to show */ }
    }
}
