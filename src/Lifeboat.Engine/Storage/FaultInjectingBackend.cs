using System.Runtime.CompilerServices;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Engine.Storage;

/// <summary>
/// Storage that misbehaves on purpose, for testing Lifeboat itself (<see cref="FaultPlan"/>): calls that fail, reads
/// cut short or with a bit flipped, slow answers, a full disk, saves that land and then report failure. It sits right
/// on the real backend, below the retries and the cache, where a real fault would come from. Faults never change what
/// storage holds: a flipped bit is flipped in what is returned, so the repository stays what the operations made it.
/// </summary>
public sealed class FaultInjectingBackend(IBackend inner, FaultPlan plan) : BackendDecorator(inner)
{
    private readonly Random _random = new(plan.Seed);
    private readonly Lock _gate = new();
    private long _saved;

    private bool Draw(double probability, FileType type)
    {
        if (probability <= 0 || (plan.Types is { } types && !types.Contains(type))) return false;
        lock (_gate) return _random.NextDouble() < probability;
    }

    private int Next(int maxExclusive)
    {
        lock (_gate) return _random.Next(maxExclusive);
    }

    private void Log(string fault, FileType type, string name, string? detail = null)
    {
        if (plan.LogFile is not { } file) return;
        lock (_gate) File.AppendAllText(file, $"{fault} {type} {name}{(detail is null ? "" : " " + detail)}\n");
    }

    /// <summary>The faults every call may meet before it reaches storage: a wait, an error.</summary>
    private async Task BeforeAsync(string operation, FileType type, string name, CancellationToken cancellationToken)
    {
        if (Draw(plan.Slow, type))
        {
            Log("slow", type, name, operation);
            await Task.Delay(plan.SlowBy, cancellationToken).ConfigureAwait(false);
        }
        if (Draw(plan.Error, type))
        {
            Log("error", type, name, operation);
            throw BackendException.Transient(name.Length == 0
                ? $"injected fault: the {operation} of {BackendPaths.Folder(type, s3Legacy: false)} failed"
                : $"injected fault: {operation} {BackendPaths.Describe(type, name)} failed");
        }
    }

    public override async Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        await BeforeAsync("stat", type, name, cancellationToken).ConfigureAwait(false);
        return await base.StatAsync(type, name, cancellationToken).ConfigureAwait(false);
    }

    public override async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await BeforeAsync("list", type, "", cancellationToken).ConfigureAwait(false);
        await foreach (var file in base.ListAsync(type, cancellationToken).ConfigureAwait(false)) yield return file;
    }

    public override async Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        await BeforeAsync("read", type, name, cancellationToken).ConfigureAwait(false);
        await base.ReadAsync(type, name, offset, destination, cancellationToken).ConfigureAwait(false);
        if (destination.IsEmpty) return;
        if (Draw(plan.ShortRead, type))
        {
            // the call has no way to say "fewer": a server that sent less under a wrong length leaves the rest unfilled
            int from = Next(destination.Length);
            Log("short-read", type, name, $"offset {offset + from}");
            destination.Span[from..].Clear();
        }
        else if (Draw(plan.BitFlip, type)) Flip(destination.Span, type, name, offset);
    }

    public override async Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken)
    {
        await BeforeAsync("read", type, name, cancellationToken).ConfigureAwait(false);
        var stream = await base.OpenReadAsync(type, name, offset, length, cancellationToken).ConfigureAwait(false);
        long endAfter = length > 0 && Draw(plan.ShortRead, type) ? Next((int)Math.Min(length, int.MaxValue)) : -1;
        long flipAt = length > 0 && endAfter < 0 && Draw(plan.BitFlip, type) ? Next((int)Math.Min(length, int.MaxValue)) : -1;
        return endAfter < 0 && flipAt < 0 ? stream : new FaultyStream(this, stream, type, name, offset, endAfter, flipAt);
    }

    public override async Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        await BeforeAsync("read", type, name, cancellationToken).ConfigureAwait(false);
        var content = await base.ReadAllAsync(type, name, cancellationToken).ConfigureAwait(false);
        if (content.Length == 0) return content;
        if (Draw(plan.ShortRead, type))
        {
            int keep = Next(content.Length);
            Log("short-read", type, name, $"offset {keep}");
            return content[..keep];
        }
        if (Draw(plan.BitFlip, type)) Flip(content, type, name, 0);
        return content;
    }

    private void Flip(Span<byte> data, FileType type, string name, long offset)
    {
        int at = Next(data.Length);
        int bit = Next(8);
        data[at] ^= (byte)(1 << bit);
        Log("flip", type, name, $"offset {offset + at}");
    }

    public override async Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken)
    {
        await BeforeAsync("save", type, name, cancellationToken).ConfigureAwait(false);
        if (plan.FullAfterBytes is { } limit && Interlocked.Add(ref _saved, source.Length) > limit)
        {
            Log("full", type, name);
            throw new PosixException(Errno.ENOSPC, "write", Path.Combine(Location, BackendPaths.Describe(type, name)));
        }
        await base.SaveAsync(type, name, source, cancellationToken).ConfigureAwait(false);
        if (Draw(plan.LostAck, type))
        {
            Log("lost-ack", type, name, "save");
            throw BackendException.Transient($"injected fault: the save of {BackendPaths.Describe(type, name)} landed but reported failure");
        }
    }

    public override async Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        await BeforeAsync("delete", type, name, cancellationToken).ConfigureAwait(false);
        await base.DeleteAsync(type, name, cancellationToken).ConfigureAwait(false);
        if (Draw(plan.LostAck, type))
        {
            Log("lost-ack", type, name, "delete");
            throw BackendException.Transient($"injected fault: the removal of {BackendPaths.Describe(type, name)} landed but reported failure");
        }
    }

    /// <summary>A streamed read that ends early at <c>endAfter</c> bytes, or flips one bit at <c>flipAt</c>.</summary>
    private sealed class FaultyStream(FaultInjectingBackend backend, Stream inner, FileType type, string name, long offset, long endAfter, long flipAt)
        : ReadOnlyWrappingStream(inner)
    {
        private long _position;
        private bool _ended;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (endAfter >= 0)
            {
                long left = endAfter - _position;
                if (left <= 0)
                {
                    if (!_ended) backend.Log("short-read", type, name, $"offset {offset + endAfter}");
                    _ended = true;
                    return 0;
                }
                if (buffer.Length > left) buffer = buffer[..(int)left];
            }
            int n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (flipAt >= _position && flipAt < _position + n)
            {
                int bit = backend.Next(8);
                buffer.Span[(int)(flipAt - _position)] ^= (byte)(1 << bit);
                backend.Log("flip", type, name, $"offset {offset + flipAt}");
            }
            _position += n;
            return n;
        }
    }
}
