using System.ComponentModel;
using System.Diagnostics;

namespace Lifeboat.Engine.Storage.Sftp;

/// <summary>
/// The ssh child whose stdin and stdout carry the SFTP session. Its stderr is kept (the last lines, each cut short) so
/// that a failure can name ssh's own reason: "Host key verification failed.", "Permission denied (publickey).".
/// </summary>
internal sealed class SshProcess : IDisposable
{
    private const int MaxLines = 40, MaxLineLength = 400;

    private readonly Process _process;
    private readonly List<string> _stderr = [];
    private readonly Task _stderrPump;

    private SshProcess(Process process)
    {
        _process = process;
        Input = process.StandardInput.BaseStream;
        Output = process.StandardOutput.BaseStream;
        // 1 MiB pipes (Linux's default maximum) instead of 64 KiB: a 255 KiB WRITE or DATA packet then passes in one
        // write and one read instead of four of each with both processes woken for every piece (measured: uploads
        // over sftp took twice as long as restic's). Best effort: a smaller pipe only costs speed.
        foreach (var stream in new[] { Input, Output })
            if (stream is System.IO.Pipes.PipeStream pipe) Platform.Posix.TryGrowPipe(pipe.SafePipeHandle, 1 << 20);
        _stderrPump = Task.Run(PumpStderrAsync);
    }

    public Stream Input { get; }
    public Stream Output { get; }
    public int Id => _process.Id;

    /// <summary>Starts the program; a program that cannot be run is a permanent failure.</summary>
    public static SshProcess Start(string program, IReadOnlyList<string> args, string display)
    {
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        try
        {
            return new SshProcess(Process.Start(info) ?? throw new SftpConnectionException($"sftp: cannot run {program} for {display}", permanent: true));
        }
        catch (Win32Exception e)
        {
            throw new SftpConnectionException($"sftp: cannot run {program} for {display}: {e.Message}", permanent: true, e);
        }
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            var reader = _process.StandardError;
            var buffer = new char[4096];
            var line = new System.Text.StringBuilder();
            int n;
            while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    char c = buffer[i];
                    if (c == '\n')
                    {
                        Add(line.ToString());
                        line.Clear();
                    }
                    else if (c != '\r' && line.Length < MaxLineLength) line.Append(c);
                }
            }
            if (line.Length > 0) Add(line.ToString());
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }

        void Add(string text)
        {
            lock (_stderr)
            {
                _stderr.Add(text.Trim());
                if (_stderr.Count > MaxLines) _stderr.RemoveAt(0);
            }
        }
    }

    /// <summary>Waits a little for the process to end and its stderr to be read, then returns what it printed.</summary>
    public async Task<List<string>> ExitAndStderrAsync(TimeSpan wait)
    {
        try
        {
            using var cts = new CancellationTokenSource(wait);
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            await _stderrPump.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        lock (_stderr) return [.. _stderr];
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
        }
    }

    /// <summary>Closes ssh's input (a clean end of the session), waits up to two seconds, then kills it.</summary>
    public void Dispose()
    {
        try { Input.Dispose(); } catch (IOException) { }
        try
        {
            if (!_process.WaitForExit(2000)) Kill();
            _process.WaitForExit(2000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    /// <summary>
    /// The line of ssh's stderr that says why it failed: a decisive one when there is one (host key, permission, refused),
    /// else the first that is not a warning.
    /// </summary>
    public static string? Reason(IReadOnlyList<string> lines)
    {
        string[] decisive =
        [
            "Host key verification failed", "Permission denied", "Connection refused", "Could not resolve hostname",
            "Connection timed out", "No route to host", "Network is unreachable", "subsystem request failed",
            "Connection closed by", "Connection reset", "kex_exchange_identification", "Too many authentication failures",
            "Bad configuration option", "Can't open user config file", "no argument after keyword",
        ];
        foreach (var key in decisive)
            foreach (var line in lines)
                if (line.Contains(key, StringComparison.Ordinal)) return line;
        foreach (var line in lines)
        {
            if (line.Length == 0 || line.StartsWith("Warning:", StringComparison.Ordinal) || line.StartsWith("debug", StringComparison.Ordinal)
                || line.StartsWith("@@@", StringComparison.Ordinal) || line.StartsWith("Pseudo-terminal", StringComparison.Ordinal))
                continue;
            return line;
        }
        return null;
    }

    /// <summary>ssh failures that pass: the server is down, restarting or unreachable for now.</summary>
    public static bool IsTransientReason(string? line) => line is not null && (
        line.Contains("Connection refused", StringComparison.Ordinal) || line.Contains("Connection timed out", StringComparison.Ordinal)
        || line.Contains("No route to host", StringComparison.Ordinal) || line.Contains("Network is unreachable", StringComparison.Ordinal)
        || line.Contains("Connection closed by", StringComparison.Ordinal) || line.Contains("Connection reset", StringComparison.Ordinal)
        || line.Contains("kex_exchange_identification", StringComparison.Ordinal) || line.Contains("Broken pipe", StringComparison.Ordinal)
        || line.Contains("Temporary failure in name resolution", StringComparison.Ordinal));
}
