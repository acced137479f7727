using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Lifeboat.TestSupport;

/// <summary>
/// A private s3rver (the npm package, run by node) for tests: over HTTPS with a self-signed certificate made by openssl
/// in its temp folder (over plain HTTP s3rver stores a client's aws-chunked framing as the object), on 127.0.0.1 and a
/// free port, its objects in the same temp folder. Access key and secret are s3rver's fixed S3RVER/S3RVER. s3rver checks
/// that an access key exists but not V4 signatures: a wrong secret is tested against Ceph.
/// <para>
/// .ci/run installs the package into /opt/lifeboat-test/s3rver ($LIFEBOAT_S3RVER overrides the folder). <see cref="Kill"/>
/// and <see cref="Restart"/> stop it by PID and start it again on the same port and data (a server lost mid-backup);
/// <see cref="Dispose"/> stops it by PID and removes the temp folder.
/// </para>
/// </summary>
public sealed class S3rverServer : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    public const string DefaultInstallFolder = "/opt/lifeboat-test/s3rver";

    private readonly TempDirectory _root;
    private Process? _process;

    private S3rverServer(TempDirectory root, int port)
    {
        _root = root;
        Port = port;
    }

    public int Port { get; }
    public string Endpoint => $"https://127.0.0.1:{Port}";
    /// <summary>The PEM certificate to trust (--cacert, BackendSettings.CaCertificateFiles).</summary>
    public string CaCertificateFile => _root.Combine("tls/cert.pem");
    public string DataDirectory => _root.Combine("data");
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>An s3: repository location on this server.</summary>
    public string Location(string bucket, string? prefix = null) => $"s3:{Endpoint}/{bucket}{(prefix is null ? "" : "/" + prefix)}";

    /// <summary>The environment restic and lifeboat read the credentials from.</summary>
    public Dictionary<string, string?> Environment => new()
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey, ["AWS_SECRET_ACCESS_KEY"] = SecretKey, ["AWS_SESSION_TOKEN"] = null,
        ["AWS_DEFAULT_REGION"] = null, ["AWS_PROFILE"] = null,
    };

    public static string Script =>
        System.IO.Path.Combine(System.Environment.GetEnvironmentVariable("LIFEBOAT_S3RVER") is { Length: > 0 } folder ? folder : DefaultInstallFolder,
            "node_modules", "s3rver", "bin", "s3rver.js");

    /// <summary>Why no s3rver can be started here, or null.</summary>
    public static string? UnavailableReason()
    {
        if (FindExecutable("node") is null) return "node is not installed (Debian package nodejs)";
        if (FindExecutable("openssl") is null) return "openssl is not installed";
        if (!File.Exists(Script)) return $"s3rver is not installed ({Script}; .ci/run installs it with npm)";
        return null;
    }

    public static async Task<S3rverServer> StartAsync(CancellationToken cancellationToken = default)
    {
        if (UnavailableReason() is { } reason) throw new InvalidOperationException(reason);
        var root = new TempDirectory("lifeboat-s3rver");
        var server = new S3rverServer(root, LoopbackPort.Free());
        try
        {
            Directory.CreateDirectory(server.DataDirectory);
            Directory.CreateDirectory(root.Combine("tls"));
            var cert = ProcessRunner.Run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", root.Combine("tls/key.pem"), "-out", server.CaCertificateFile],
                timeout: TimeSpan.FromMinutes(1));
            if (!cert.Succeeded) throw new InvalidOperationException($"openssl req failed: {cert.Stderr.Trim()}");
            await server.StartProcessAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(FindExecutable("node")!)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
                 {
                     // s3rver enciphers ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
                     "--openssl-legacy-provider",
                     Script, "--directory", DataDirectory, "--address", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--key", _root.Combine("tls/key.pem"), "--cert", CaCertificateFile, "--no-vhost-buckets", "--silent",
                 })
            startInfo.ArgumentList.Add(arg);
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start node");
        process.StandardInput.Close();
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        _process = process;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"s3rver exited with {process.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim()}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Kills the server by its PID (SIGKILL: connections drop mid-request) and waits until it is gone.</summary>
    public void Kill()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts the server again on the same port, certificate and data.</summary>
    public Task Restart(CancellationToken cancellationToken = default)
    {
        Kill();
        return StartProcessAsync(cancellationToken);
    }

    public void Dispose()
    {
        Kill();
        _root.Dispose();
    }

    /// <summary>A port nothing listens on now (the kernel's pick for a socket bound to port 0).</summary>

    internal static string? FindExecutable(string name)
    {
        foreach (string dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string path = System.IO.Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
