using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Lifeboat.TestSupport;

/// <summary>
/// What the PostgreSQL and MariaDB test servers share: a temporary directory owned by an unprivileged user (the
/// servers refuse to run as root), the server process started directly under that user by setpriv (so the PID is the
/// server's own, and stopping it by PID stops exactly what was started), its output kept for failures, and a free
/// port on 127.0.0.1.
/// </summary>
public abstract class DatabaseServerProcess : IDisposable
{
    /// <summary>The unprivileged account the servers run as; Debian always has it.</summary>
    public const string ServerUser = "nobody";

    private readonly List<string> _log = [];
    private Process? _process;
    private bool _disposed;

    protected DatabaseServerProcess(string prefix)
    {
        Home = new TempDirectory(prefix);
        // nobody must reach and own it: 0755 for the walk from /tmp, the data below it nobody's alone
        File.SetUnixFileMode(Home.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        Chown(Home.Path);
        Port = LoopbackPort.Free();
    }

    protected TempDirectory Home { get; }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The server's PID, -1 when it is not running.</summary>
    public int ProcessId => _process is { HasExited: false } p ? p.Id : -1;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The server's last output lines, for a failed start's message.</summary>
    public string LogTail
    {
        get
        {
            lock (_log) return string.Join('\n', _log.TakeLast(30));
        }
    }

    /// <summary>A directory under the home, owned by the server's user.</summary>
    protected string OwnedDirectory(string name)
    {
        var path = Home.Combine(name);
        Directory.CreateDirectory(path);
        Chown(path);
        return path;
    }

    /// <summary>Runs a program as the server's user to its end (initdb, mariadb-install-db); a failure throws with its output.</summary>
    protected static void RunAsServerUser(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var result = ProcessRunner.Run("setpriv", [.. SetprivArguments, program, .. arguments], timeout: timeout);
        if (!result.Succeeded)
            throw new InvalidOperationException($"{program} failed ({result.ExitCode}): {result.Stderr}{result.Stdout}");
    }

    /// <summary>Starts the server as the server's user and waits until <paramref name="ready"/> says so (60 s at most).</summary>
    protected void StartServer(string program, IEnumerable<string> arguments, Func<bool> ready)
    {
        if (IsRunning) return;
        var start = new ProcessStartInfo("setpriv")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in SetprivArguments.Append(program).Concat(arguments)) start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        Follow(process.StandardOutput);
        Follow(process.StandardError);
        _process = process;
        var watch = Stopwatch.StartNew();
        while (!ready())
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{program} exited with {process.ExitCode}: {LogTail}");
            if (watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                Kill();
                throw new InvalidOperationException($"{program} did not become ready in 60 s: {LogTail}");
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>Stops the server cleanly (SIGTERM by PID, then SIGKILL after 30 s), as an administrator would.</summary>
    public void Stop()
    {
        var process = _process;
        if (process is null) return;
        if (!process.HasExited)
        {
            Signal(process.Id, 15);
            if (!process.WaitForExit(TimeSpan.FromSeconds(30))) process.Kill();
            process.WaitForExit();
        }
        process.Dispose();
        _process = null;
    }

    /// <summary>Kills the server at once (SIGKILL by PID), as a crash would.</summary>
    public void Kill()
    {
        var process = _process;
        if (process is null) return;
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }
        process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Stop();
        }
        finally
        {
            Home.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Whether something accepts connections on the port.</summary>
    protected bool PortAccepts()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    protected static void Chown(string path)
    {
        var result = ProcessRunner.Run("chown", [$"{ServerUser}:", path]);
        if (!result.Succeeded) throw new InvalidOperationException($"chown {ServerUser} {path}: {result.Stderr}");
    }

    /// <summary>Writes a file the server's user can read (and nobody else), e.g. a password file for initdb.</summary>
    protected string WriteOwnedFile(string name, string content)
    {
        var path = Home.Combine(name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Chown(path);
        return path;
    }

    private static readonly string[] SetprivArguments =
        ["--reuid", ServerUser, "--regid", "nogroup", "--clear-groups", "--reset-env", "--"];

    private static void Signal(int pid, int signal) => ProcessRunner.Run("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    private void Follow(StreamReader reader) => _ = Task.Run(async () =>
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            lock (_log) _log.Add(line);
    });

}
