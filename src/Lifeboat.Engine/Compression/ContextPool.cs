namespace Lifeboat.Engine.Compression;

/// <summary>
/// A few reusable native contexts: rented for one call and given back. At most about one per core is kept;
/// a context beyond that (when more threads were busy at once) is freed on return.
/// </summary>
internal sealed class ContextPool<T>(Func<T> create) where T : class, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Stack<T> _idle = new();
    private readonly int _keep = Environment.ProcessorCount + 1;

    public T Rent()
    {
        lock (_lock)
            if (_idle.TryPop(out var context)) return context;
        return create();
    }

    public void Return(T context)
    {
        lock (_lock)
        {
            if (_idle.Count < _keep)
            {
                _idle.Push(context);
                return;
            }
        }
        context.Dispose();
    }
}
