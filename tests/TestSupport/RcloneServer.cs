using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Lifeboat.TestSupport;

/// <summary>How an <see cref="RcloneServer"/> serves: plain, append-only, with a user and password, over TLS.</summary>
public sealed record RcloneServerOptions
{
    public bool AppendOnly { get; init; }
    public string? User { get; init; }
    public string? Pass { get; init; }
    /// <summary>PEM certificate and key for HTTPS (rclone's --cert/--key).</summary>
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }
}

/// <summary>
/// A real restic REST server for tests: <c>rclone serve restic --addr 127.0.0.1:PORT DIR</c> (Debian's rclone), with an
/// empty rclone config of its own, started on a free port and stopped by its PID (SIGKILL) on <see cref="Dispose"/>,
/// also when the test fails. <see cref="Kill"/> and <see cref="Start"/> stop and start it again on the same port and
/// directory (a server crash and its restart).
/// </summary>
public sealed class RcloneServer : IDisposable
{
    private readonly TempDirectory _home = new("lifeboat-rclone");
    private readonly RcloneServerOptions _options;
    private Process? _process;
    private readonly List<string> _log = [];

    public RcloneServer(RcloneServerOptions? options = null, string? directory = null)
    {
        _options = options ?? new RcloneServerOptions();
        Directory = directory ?? _home.Combine("data");
        System.IO.Directory.CreateDirectory(Directory);
        Port = LoopbackPort.Free();
        Start();
    }

    /// <summary>The directory the server keeps the repositories in.</summary>
    public string Directory { get; }
    public int Port { get; }
    public int ProcessId => _process?.Id ?? -1;
    public string Scheme => _options.CertFile is null ? "http" : "https";

    /// <summary>rest:http://127.0.0.1:PORT/PATH/ (with user:pass@ when given).</summary>
    public string RestUrl(string path, string? user = null, string? pass = null)
    {
        var credentials = user is null ? "" : $"{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(pass ?? "")}@";
        return $"rest:{Scheme}://{credentials}127.0.0.1:{Port}/{path.Trim('/')}/";
    }

    /// <summary>Whether rclone is installed (Debian package rclone).</summary>
    public static string? UnavailableReason() => FindRclone() is null ? "rclone is not installed (Debian package rclone)" : null;

    public static string Binary => FindRclone() ?? "rclone";

    /// <summary>An environment for rclone children (of the tests or of lifeboat) with no config but an empty one of the test's.</summary>
    public static Dictionary<string, string?> Environment(string configDirectory) => new()
    {
        ["RCLONE_CONFIG"] = Path.Combine(configDirectory, "rclone.conf"),
    };

    public void Start()
    {
        if (_process is { HasExited: false }) return;
        var start = new ProcessStartInfo(Binary)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "serve", "restic", "--addr", $"127.0.0.1:{Port}", "--config", _home.Combine("rclone.conf") })
            start.ArgumentList.Add(arg);
        if (_options.AppendOnly) start.ArgumentList.Add("--append-only");
        if (_options.User is not null)
        {
            start.ArgumentList.Add("--user");
            start.ArgumentList.Add(_options.User);
            start.ArgumentList.Add("--pass");
            start.ArgumentList.Add(_options.Pass ?? "");
        }
        if (_options.CertFile is not null)
        {
            start.ArgumentList.Add("--cert");
            start.ArgumentList.Add(_options.CertFile);
            start.ArgumentList.Add("--key");
            start.ArgumentList.Add(_options.KeyFile!);
        }
        start.ArgumentList.Add(Directory);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start rclone");
        process.StandardInput.Close();
        Follow(process.StandardOutput);
        Follow(process.StandardError);
        _process = process;

        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"rclone serve restic exited with {process.ExitCode}: {LogTail}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Kills the server at once (SIGKILL by PID), as a crash would.</summary>
    public void Kill()
    {
        var process = _process;
        if (process is null) return;
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        process.Dispose();
        _process = null;
    }

    public string LogTail
    {
        get { lock (_log) return string.Join("\n", _log.TakeLast(20)); }
    }

    private void Follow(StreamReader reader) => _ = Task.Run(async () =>
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
                lock (_log) _log.Add(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    });

    /// <summary>A port nobody listens on now (the kernel's choice for an ephemeral bind).</summary>

    private static string? FindRclone()
    {
        foreach (var dir in new[] { "/usr/bin", "/usr/local/bin" }.Concat((System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)))
        {
            var path = Path.Combine(dir, "rclone");
            if (File.Exists(path)) return path;
        }
        return null;
    }

    public void Dispose()
    {
        Kill();
        _home.Dispose();
    }
}
