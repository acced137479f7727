using System.ComponentModel;
using System.Diagnostics;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// The standard output of a command (run without a shell, standard input closed), read as a stream, as restic's
/// --stdin-from-command reads it. At the end of the output the command's exit is awaited: a non-zero exit throws a
/// <see cref="SourceFailedException"/> from that last read, so the backup fails rather than storing a truncated
/// file. Disposing before the end kills the command. Its standard error goes line by line to a callback, and its last
/// lines into the exception.
/// </summary>
public sealed class CommandOutputStream : Stream
{
    private const int ErrorTailLines = 20;
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private Stream _output = Null; // its standard output, once started
    private readonly string _name;
    private readonly Queue<string> _errorTail = new();
    private bool _ended;

    private CommandOutputStream(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    /// <summary>
    /// Starts <paramref name="command"/> (program and arguments); <paramref name="errorLine"/> receives each line it writes
    /// to standard error, and <paramref name="environment"/> sets (or, with null values, removes) variables of its environment.
    /// </summary>
    /// <exception cref="SourceFailedException">No command was given, or it cannot be started.</exception>
    public static CommandOutputStream Start(IReadOnlyList<string> command, Action<string>? errorLine = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        if (command.Count == 0 || command[0].Length == 0) throw new SourceFailedException("no command was specified as argument");
        var info = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        for (int i = 1; i < command.Count; i++) info.ArgumentList.Add(command[i]);
        if (environment is not null)
            foreach (var (name, value) in environment)
            {
                if (value is null) info.Environment.Remove(name);
                else info.Environment[name] = value;
            }
        var process = new Process { StartInfo = info };
        var stream = new CommandOutputStream(process, command[0]);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            lock (stream._errorTail)
            {
                if (stream._errorTail.Count == ErrorTailLines) stream._errorTail.Dequeue();
                stream._errorTail.Enqueue(line);
            }
            errorLine?.Invoke(line);
        };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new SourceFailedException($"failed to start command {command[0]}: {e.Message}", e);
        }
        stream._output = process.StandardOutput.BaseStream;
        // the command reads nothing: it sees the end of its input at once, never the terminal
        process.StandardInput.Close();
        process.BeginErrorReadLine();
        return stream;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_ended) return 0;
        int n = _output.Read(buffer);
        if (n == 0 && buffer.Length > 0)
        {
            _ended = true;
            _process.WaitForExit(); // also waits until its standard error is read to the end
            ThrowIfFailed();
        }
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_ended) return 0;
        int n = await _output.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n == 0 && buffer.Length > 0)
        {
            _ended = true;
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfFailed();
        }
        return n;
    }

    private void ThrowIfFailed()
    {
        if (_process.ExitCode == 0) return;
        string tail;
        lock (_errorTail) tail = string.Join('\n', _errorTail);
        throw new SourceFailedException($"command {_name} failed: exit status {_process.ExitCode}") { ErrorOutput = tail };
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!_ended)
            {
                // not read to its end (the backup failed or was cancelled): the command must not run on, or block on a full pipe
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (Exception e) when (e is InvalidOperationException or AggregateException or Win32Exception) { } // it has exited already, or a descendant would not go
                // bounded, and not waiting for its stderr's end: a descendant that escaped the kill may hold it open
                _process.WaitForExit(KillWait);
            }
            _process.Dispose();
        }
        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
