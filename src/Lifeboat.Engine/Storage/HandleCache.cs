using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Storage;

/// <summary>
/// A small set of open read handles by name. Positional reads (pread) on one handle are safe from many
/// threads, so a handle is shared; when the set is full the least recently used one is closed. A handle
/// that is in use when evicted stays valid until its reader finishes (SafeHandle reference counting).
/// </summary>
internal sealed class HandleCache(int capacity) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Name, SafeFileHandle Handle)>> _byName = [];
    private readonly LinkedList<(string Name, SafeFileHandle Handle)> _recent = new();

    public Lease Get(string name, Func<SafeFileHandle> open)
    {
        lock (_lock)
        {
            if (_byName.TryGetValue(name, out var hit))
            {
                _recent.Remove(hit);
                _recent.AddFirst(hit);
                return Reference(hit.Value.Handle);
            }
        }
        var handle = open();
        lock (_lock)
        {
            if (_byName.TryGetValue(name, out var raced))
            {
                handle.Dispose();
                return Reference(raced.Value.Handle);
            }
            var node = _recent.AddFirst((name, handle));
            _byName[name] = node;
            while (_byName.Count > capacity)
            {
                var last = _recent.Last!;
                _recent.RemoveLast();
                _byName.Remove(last.Value.Name);
                last.Value.Handle.Dispose();
            }
            return Reference(handle);
        }
    }

    /// <summary>The caller's own reference: closing the cache's copy does not pull the handle from under a read.</summary>
    private static Lease Reference(SafeFileHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        return new Lease(handle);
    }

    public void Remove(string name)
    {
        lock (_lock)
        {
            if (!_byName.Remove(name, out var node)) return;
            _recent.Remove(node);
            node.Value.Handle.Dispose();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (_, handle) in _recent) handle.Dispose();
            _recent.Clear();
            _byName.Clear();
        }
    }

    /// <summary>A cached handle lent to one reader; disposing the lease releases the reader's reference.</summary>
    public readonly struct Lease(SafeFileHandle handle) : IDisposable
    {
        public SafeFileHandle Handle { get; } = handle;
        public void Dispose() => Handle.DangerousRelease();
    }
}
