using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Lifeboat.TestSupport;

/// <summary>
/// A throwaway one-node Ceph cluster with the RADOS Gateway, started by shared/scripts/ceph-rgw.sh (beside the clone, as
/// CI lays it out; $LIFEBOAT_CEPH_RGW_SCRIPT overrides): memstore OSD, S3 over plain HTTP and over HTTPS with a self-signed
/// certificate, all on 127.0.0.1. The script installs the Ceph packages with apt-get when they are missing (1-2 minutes);
/// the cluster itself starts in well under a minute. <see cref="Dispose"/> runs the script's stop (which stops each daemon
/// by the PID it recorded) and removes the folder.
/// </summary>
public sealed class CephRgw : IDisposable
{
    private readonly TempDirectory _root;
    private readonly Dictionary<string, string> _env;

    private CephRgw(TempDirectory root, int httpsPort, Dictionary<string, string> env, TimeSpan startupTime)
    {
        _root = root;
        HttpsPort = httpsPort;
        _env = env;
        StartupTime = startupTime;
    }

    public int HttpsPort { get; }
    public string Endpoint => $"https://127.0.0.1:{HttpsPort}";
    public string CaCertificateFile => _env.TryGetValue("RGW_CA_CERT", out var cert) ? cert : _root.Combine("rgw.crt");
    public string AccessKey => _env["AWS_ACCESS_KEY_ID"];
    public string SecretKey => _env["AWS_SECRET_ACCESS_KEY"];
    /// <summary>How long the script took to start the cluster (including any package install).</summary>
    public TimeSpan StartupTime { get; }

    public string Location(string bucket, string? prefix = null) => $"s3:{Endpoint}/{bucket}{(prefix is null ? "" : "/" + prefix)}";

    /// <summary>The same gateway over plain HTTP (its port is the HTTPS port's neighbour), where payloads are signed.</summary>
    public string HttpLocation(string bucket, string? prefix = null) => $"s3:http://127.0.0.1:{HttpsPort - 1}/{bucket}{(prefix is null ? "" : "/" + prefix)}";

    public Dictionary<string, string?> Environment => new()
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey, ["AWS_SECRET_ACCESS_KEY"] = SecretKey, ["AWS_SESSION_TOKEN"] = null,
        ["AWS_DEFAULT_REGION"] = "us-east-1", ["AWS_PROFILE"] = null,
    };

    public static string? Script
    {
        get
        {
            if (System.Environment.GetEnvironmentVariable("LIFEBOAT_CEPH_RGW_SCRIPT") is { Length: > 0 } configured) return configured;
            for (var dir = new DirectoryInfo(Fixtures.RepositoryRoot).Parent; dir is not null; dir = dir.Parent)
            {
                string candidate = System.IO.Path.Combine(dir.FullName, "shared", "scripts", "ceph-rgw.sh");
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }
    }

    /// <summary>Why no cluster can be started here, or null. Missing packages are no reason: the script installs them.</summary>
    public static string? UnavailableReason()
    {
        if (Script is null) return "shared/scripts/ceph-rgw.sh is not beside the clone (set LIFEBOAT_CEPH_RGW_SCRIPT)";
        if (System.Environment.GetEnvironmentVariable("LIFEBOAT_SKIP_CEPH") is "1") return "LIFEBOAT_SKIP_CEPH=1";
        bool installed = S3rverServer.FindExecutable("radosgw") is not null && S3rverServer.FindExecutable("ceph-osd") is not null;
        if (!installed && Lifeboat.Engine.Platform.Posix.GetUid() != 0) return "the Ceph packages are missing and only root may install them";
        return null;
    }

    public static CephRgw Start()
    {
        if (UnavailableReason() is { } reason) throw new InvalidOperationException(reason);
        var root = new TempDirectory("lb-ceph");
        try
        {
            var watch = Stopwatch.StartNew();
            // The script puts the monitor at PORT+32520: keep PORT low enough, and every port free.
            var (port, sslPort) = PickPorts();
            var env = new Dictionary<string, string?>
            {
                ["CEPH_RGW_SSL_PORT"] = sslPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CEPH_OSD_STORE"] = "memstore",
                ["CEPH_RGW_TIMEOUT"] = "180",
            };
            var result = ProcessRunner.Run("bash", [Script!, "start", root.Path, port.ToString(System.Globalization.CultureInfo.InvariantCulture)], env,
                timeout: TimeSpan.FromMinutes(10));
            if (!result.Succeeded)
            {
                ProcessRunner.Run("bash", [Script!, "stop", root.Path], timeout: TimeSpan.FromMinutes(2));
                throw new InvalidOperationException($"ceph-rgw.sh start failed ({result.ExitCode}): {Tail(result.Stderr)}");
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in File.ReadAllLines(root.Combine("env")))
            {
                var text = line.StartsWith("export ", StringComparison.Ordinal) ? line[7..] : line;
                int eq = text.IndexOf('=');
                if (eq > 0) values[text[..eq]] = text[(eq + 1)..].Trim('"', '\'');
            }
            return new CephRgw(root, sslPort, values, watch.Elapsed);
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    private static (int Port, int SslPort) PickPorts()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int port = Random.Shared.Next(20000, 32000);
            if (IsFree(port) && IsFree(port + 1) && IsFree(port + 32520)) return (port, port + 1);
        }
        throw new InvalidOperationException("no free ports for the Ceph test cluster");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join("\n", lines.Skip(Math.Max(0, lines.Length - 15)));
    }

    public void Dispose()
    {
        try { ProcessRunner.Run("bash", [Script!, "stop", _root.Path], timeout: TimeSpan.FromMinutes(2)); }
        finally { _root.Dispose(); }
    }
}
