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
    /// <summary>Exit statuses of a program the container could not start (126: not executable, 127: not found).</summary>
    private const int CannotRun = 126, NotFound = 127;

    private bool _ended;

    // Docker writes why it could not start the program (runc's "OCI runtime exec failed: ...") to the output, not to
    // standard error: the start of the output is kept to quote it
    private readonly MemoryStream _head = new();
    private const int HeadBytes = 512;

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
                if (code != 0) throw new SourceFailedException($"command {program} failed: exit status {code}") { ErrorOutput = ErrorOutput(code) };
                return 0;
            }
            if (read.Target == MultiplexedStream.TargetStream.StandardOut && read.Count > 0)
            {
                if (_head.Length < HeadBytes) _head.Write(array.AsSpan(0, (int)Math.Min(read.Count, HeadBytes - _head.Length)));
                return read.Count;
            }
            errors.Write(array.AsSpan(0, read.Count));
        }
    }

    private string ErrorOutput(long code)
    {
        if (errors.Tail.Length > 0 || code is not (CannotRun or NotFound)) return errors.Tail;
        var head = System.Text.Encoding.UTF8.GetString(_head.GetBuffer(), 0, (int)_head.Length).Trim();
        return head.StartsWith("OCI runtime exec failed", StringComparison.Ordinal) ? head
            : $"{program} {(code == NotFound ? "was not found" : "could not be run")} in the container";
    }

    protected override void Dispose(bool disposing)
    {
        // closing the connection before the end leaves the program a broken pipe: it stops at its next write
        if (disposing) exec.Dispose();
        base.Dispose(disposing);
    }
}
