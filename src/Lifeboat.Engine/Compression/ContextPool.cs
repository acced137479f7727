namespace Lifeboat.Engine.Compression;

/// <summary>
/// A few reusable native contexts, rented for one call and given back. At most one per core plus one are in use
/// at once: (de)compression is CPU work, so more concurrent calls would not finish sooner, and each level-3
/// compression context holds over a megabyte — a backup walking many directories at once would otherwise create
/// one per walker thread. A caller beyond the bound waits for a context.
/// </summary>
internal sealed class ContextPool<T>(Func<T> create) where T : class, IDisposable
{
    private static readonly int MaxInUse = Environment.ProcessorCount + 1;

    private readonly Lock _lock = new();
    private readonly Stack<T> _idle = new();
    private readonly SemaphoreSlim _slots = new(MaxInUse, MaxInUse);

    public T Rent()
    {
        _slots.Wait();
        try
        {
            lock (_lock)
                if (_idle.TryPop(out var context)) return context;
            return create();
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    public void Return(T context)
    {
        lock (_lock) _idle.Push(context);
        _slots.Release();
    }
}
