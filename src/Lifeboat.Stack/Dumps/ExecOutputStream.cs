using System.Runtime.InteropServices;
using Docker.DotNet;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// The standard output of a program run by docker exec, read from the exec's multiplexed stream (its standard error
/// frames go to <see cref="OutputLines"/>). At the end the exec's exit code is asked for: a non-zero one throws a
/// <see cref="SourceFailedException"/> from that last read, as <see cref="CommandOutputStream"/> does on the host.
/// </summary>
internal sealed class ExecOutputStream(MultiplexedStream exec, string program, OutputLines errors, Func<CancellationToken, Task<long>> exitCode) : ReadOnlyWrappingStream(null)
{
    private bool _ended;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_ended || buffer.Length == 0) return 0;
        // the multiplexed stream reads into arrays only
        if (!MemoryMarshal.TryGetArray<byte>(buffer, out var array))
        {
            var copy = new byte[buffer.Length];
            int n = await ReadAsync(copy, cancellationToken).ConfigureAwait(false);
            copy.AsSpan(0, n).CopyTo(buffer.Span);
            return n;
        }
        while (true)
        {
            MultiplexedStream.ReadResult read;
            try
            {
                read = await exec.ReadOutputAsync(array.Array!, array.Offset, array.Count, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // a broken connection must fail the dump, not leave a truncated file in the snapshot
                throw new SourceFailedException($"the output of {program} broke off: {Containers.DockerContainerControl.Reason(e)}", e) { ErrorOutput = errors.Tail };
            }
            if (read.EOF)
            {
                _ended = true;
                errors.Complete();
                long code = await exitCode(cancellationToken).ConfigureAwait(false);
                if (code != 0) throw new SourceFailedException($"command {program} failed: exit status {code}") { ErrorOutput = errors.Tail };
                return 0;
            }
            if (read.Target == MultiplexedStream.TargetStream.StandardOut && read.Count > 0) return read.Count;
            errors.Write(array.AsSpan(0, read.Count));
        }
    }

    protected override void Dispose(bool disposing)
    {
        // closing the connection before the end leaves the program a broken pipe: it stops at its next write
        if (disposing) exec.Dispose();
        base.Dispose(disposing);
    }
}
