using Lifeboat.Engine.Storage;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// A backend that fails on demand: each operation asks <see cref="Fault"/> whether to throw (and what) before passing the
/// call on, and every call is counted. The storage layer's retry, guard and upload behaviour is tested against it.
/// </summary>
public sealed class FaultyBackend(IBackend inner, bool isLocal = true) : BackendDecorator(inner)
{
    private int _calls;

    /// <summary>(operation, type, name) -> an exception to throw, or null to pass the call on.</summary>
    public Func<string, FileType, string, Exception?> Fault { get; set; } = (_, _, _) => null;

    /// <summary>
    /// (type, name, file offset of the next byte) -> an exception for a read of an open stream to throw, or null to read on:
    /// a connection lost half way through a streamed read.
    /// </summary>
    public Func<FileType, string, long, Exception?> StreamFault { get; set; } = (_, _, _) => null;

    public int Calls => Volatile.Read(ref _calls);
    public override bool IsLocal => isLocal;

    private void Check(string operation, FileType type, string name)
    {
        Interlocked.Increment(ref _calls);
        if (Fault(operation, type, name) is { } e) throw e;
    }

    public override Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        Check("Stat", type, name);
        return base.StatAsync(type, name, cancellationToken);
    }

    public override Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        Check("Load", type, name);
        return base.ReadAsync(type, name, offset, destination, cancellationToken);
    }

    public override async Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken)
    {
        Check("Load", type, name);
        return new FaultyStream(this, await base.OpenReadAsync(type, name, offset, length, cancellationToken), type, name, offset);
    }

    private sealed class FaultyStream(FaultyBackend backend, Stream inner, FileType type, string name, long offset) : ReadOnlyWrappingStream(inner)
    {
        private long _next = offset;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (backend.StreamFault(type, name, _next) is { } e) throw e;
            int n = await Inner.ReadAsync(buffer, cancellationToken);
            _next += n;
            return n;
        }
    }

    public override Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        Check("Load", type, name);
        return base.ReadAllAsync(type, name, cancellationToken);
    }

    public override Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken)
    {
        Check("Save", type, name);
        return base.SaveAsync(type, name, source, cancellationToken);
    }

    public override Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        Check("Remove", type, name);
        return base.DeleteAsync(type, name, cancellationToken);
    }

    public override async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int n = 0;
        await foreach (var f in base.ListAsync(type, cancellationToken))
        {
            Check("List", type, n++.ToString());
            yield return f;
        }
    }
}
