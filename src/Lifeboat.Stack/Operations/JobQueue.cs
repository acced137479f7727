using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations;

/// <summary>A job waiting in the queue, and why it was queued ("schedule" or "catch-up").</summary>
public sealed record QueuedJob(ScheduledJob Job, string Trigger, DateTimeOffset QueuedAt);

/// <summary>
/// The jobs waiting for the one worker, in the order they came due. A job that is already waiting is not queued again
/// (a job due twice while a long one runs runs once, not twice); a job that is running may wait once more behind itself.
/// Jobs are the same when their kind, apps and options are.
/// </summary>
public sealed class JobQueue
{
    private readonly object _gate = new();
    private readonly List<QueuedJob> _waiting = [];
    private readonly SemaphoreSlim _available = new(0);

    /// <summary>True when queued; false when the same job was already waiting.</summary>
    public bool TryEnqueue(QueuedJob item)
    {
        lock (_gate)
        {
            if (_waiting.Any(w => SameJob(w.Job, item.Job))) return false;
            _waiting.Add(item);
        }
        _available.Release();
        return true;
    }

    /// <summary>The next job, waiting until there is one.</summary>
    public async Task<QueuedJob> DequeueAsync(CancellationToken cancellationToken)
    {
        await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            var next = _waiting[0];
            _waiting.RemoveAt(0);
            return next;
        }
    }

    public IReadOnlyList<QueuedJob> Snapshot()
    {
        lock (_gate) return _waiting.ToList();
    }

    public int Count
    {
        get { lock (_gate) return _waiting.Count; }
    }

    public static bool SameJob(ScheduledJob a, ScheduledJob b) =>
        a.Kind == b.Kind && JobRunLog.AppsKey(a.Apps) == JobRunLog.AppsKey(b.Apps) && a.Options.SequenceEqual(b.Options);
}
