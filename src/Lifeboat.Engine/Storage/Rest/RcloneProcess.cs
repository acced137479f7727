using System.ComponentModel;
using System.Diagnostics;

namespace Lifeboat.Engine.Storage.Rest;

/// <summary>
/// The <c>rclone serve restic --stdio</c> child of one rclone: repository. Its stdin and stdout are the one connection
/// the REST client gets (<see cref="Connect"/>, once); the last lines it printed on stderr are kept for error messages.
/// Disposing closes the connection, gives rclone 5 s to finish (restic's wait) and then kills it by its PID.
/// </summary>
internal sealed class RcloneProcess : IDisposable
{
    private const int TailLines = 5;
    private const int TailLineLength = 300;

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly Lock _gate = new();
    private readonly Task _stderrReader;
    private StdioConnection? _connection;
    private int _connects;
    private int _disposed;

    private RcloneProcess(Process process)
    {
        _process = process;
        _stderrReader = Task.Run(ReadStderrAsync);
    }

    public static RcloneProcess Start(IReadOnlyList<string> argv, string location)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in argv.Skip(1)) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception e)
        {
            throw BackendException.Permanent(
                $"{location}: cannot start {argv[0]} ({e.Message}); install rclone or name it with -o rclone.program=PATH");
        }
        return new RcloneProcess(process);
    }

    public int ProcessId => _process.Id;

    public bool HasExited
    {
        get
        {
            try { return _process.HasExited; }
            catch (InvalidOperationException) { return true; }
        }
    }

    /// <summary>The connection over the child's pipes; a second one cannot exist (rclone serves one and ends with it).</summary>
    public Stream Connect(string location)
    {
        if (Interlocked.Increment(ref _connects) > 1)
            throw BackendException.Permanent($"{location}: the connection to rclone was closed{Exit()}; rclone serves only one connection, run the command again");
        _connection = new StdioConnection(_process.StandardOutput.BaseStream, _process.StandardInput.BaseStream);
        return _connection;
    }

    /// <summary>Waits a little for the child to end (an error on the connection usually means it is ending).</summary>
    public async Task<bool> ExitedSoonAsync(TimeSpan wait)
    {
        if (HasExited) return true;
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>" (rclone exited with code 1: last lines of its stderr)", or what is known of it while it runs.</summary>
    public string Exit()
    {
        string tail = Tail();
        if (!HasExited) return tail.Length > 0 ? $" (rclone said: {tail})" : "";
        // Its stderr is read to the end before the message is made, so the tail is complete.
        _stderrReader.Wait(TimeSpan.FromSeconds(2));
        tail = Tail();
        int code;
        try { code = _process.ExitCode; } catch (InvalidOperationException) { code = -1; }
        return $" (rclone exited with code {code}{(tail.Length > 0 ? ": " + tail : "")})";
    }

    public string Tail()
    {
        lock (_gate) return string.Join(" / ", _tail);
    }

    private async Task ReadStderrAsync()
    {
        try
        {
            var reader = _process.StandardError;
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                line = line.Trim();
                if (line.Length == 0) continue;
                if (line.Length > TailLineLength) line = line[..TailLineLength] + "…";
                lock (_gate)
                {
                    _tail.Enqueue(line);
                    while (_tail.Count > TailLines) _tail.Dequeue();
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Closing stdin ends rclone's HTTP/2 server and rclone with it.
        _connection?.Dispose();
        if (_connection is null)
        {
            try { _process.StandardInput.Close(); } catch (IOException) { }
        }
        try
        {
            if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception) { }
        _stderrReader.Wait(TimeSpan.FromSeconds(1));
        _process.Dispose();
    }
}
