using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.Rest;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>rest: against real servers that refuse (credentials, append-only, TLS) and against hostile ones.</summary>
public sealed class RestBackendTests : IDisposable
{
    private const string User = "backup-user";
    private const string Secret = "s3cret-Pa55:word";
    private readonly TempDirectory _temp = new("lifeboat-rest-tests");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Random(int n) => RandomNumberGenerator.GetBytes(n);

    private static string NameOf(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    [Fact]
    public async Task Wrong_credentials_fail_at_once_in_one_line_without_the_password()
    {
        using var server = new RcloneServer(new RcloneServerOptions { User = User, Pass = Secret });
        using var backend = BackendFactory.Open(server.RestUrl("repo", User, "not-" + Secret), new BackendSettings());
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.CreateAsync(Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "a refusal is not retried");
        Assert.Contains("401", e.Message);
        Assert.Contains("user and password", e.Message);
        Assert.DoesNotContain(Secret, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("***", backend.Location);
    }

    [Fact]
    public async Task Credentials_from_the_url_or_the_environment_are_accepted()
    {
        using var server = new RcloneServer(new RcloneServerOptions { User = User, Pass = Secret });
        using (var backend = BackendFactory.Open(server.RestUrl("repo", User, Secret), new BackendSettings()))
        {
            await backend.CreateAsync(Ct);
            var data = Random(1234);
            await backend.SaveAsync(FileType.Snapshot, NameOf(data), data, Ct);
            Assert.DoesNotContain(Secret, backend.Location);
        }
        var env = new Dictionary<string, string> { ["RESTIC_REST_USERNAME"] = User, ["RESTIC_REST_PASSWORD"] = Secret };
        using var fromEnv = BackendFactory.Open(server.RestUrl("repo"), new BackendSettings { Environment = k => env.GetValueOrDefault(k) });
        var listed = new List<BackendFile>();
        await foreach (var f in fromEnv.ListAsync(FileType.Snapshot, Ct)) listed.Add(f);
        Assert.Single(listed);
    }

    [Fact]
    public async Task Append_only_server_keeps_data_but_lets_locks_go()
    {
        using var server = new RcloneServer(new RcloneServerOptions { AppendOnly = true });
        using var backend = BackendFactory.Open(server.RestUrl("repo"), new BackendSettings());
        await backend.CreateAsync(Ct);
        var pack = Random(5000);
        await backend.SaveAsync(FileType.Pack, NameOf(pack), pack, Ct);

        var e = await Assert.ThrowsAsync<BackendException>(() => backend.DeleteAsync(FileType.Pack, NameOf(pack), Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Contains("403", e.Message);
        Assert.Contains("append-only", e.Message);
        Assert.Equal(pack, await backend.ReadAllAsync(FileType.Pack, NameOf(pack), Ct));

        // The same content saved again (a retry whose first answer was lost) is fine; other bytes under the name are not.
        await backend.SaveAsync(FileType.Pack, NameOf(pack), pack, Ct);
        var other = await Assert.ThrowsAsync<BackendException>(() => backend.SaveAsync(FileType.Pack, NameOf(pack), Random(10), Ct));
        Assert.Equal(BackendErrorKind.Permanent, other.Kind);
        Assert.Equal(pack, await backend.ReadAllAsync(FileType.Pack, NameOf(pack), Ct));

        // Locks come and go on an append-only server (rest-server and rclone allow it, restic relies on it).
        var lockFile = Random(100);
        await backend.SaveAsync(FileType.Lock, NameOf(lockFile), lockFile, Ct);
        await backend.DeleteAsync(FileType.Lock, NameOf(lockFile), Ct);
        Assert.False(await backend.ExistsAsync(FileType.Lock, NameOf(lockFile), Ct));
    }

    [Fact]
    public async Task A_refused_connection_is_transient()
    {
        using var backend = RestBackend.Open($"rest:http://127.0.0.1:{LoopbackPort.Free()}/repo", new BackendSettings());
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Transient, e.Kind);
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Https_with_a_self_signed_certificate_needs_cacert()
    {
        var (cert, key) = SelfSigned();
        using var server = new RcloneServer(new RcloneServerOptions { CertFile = cert, KeyFile = key });
        using (var untrusted = BackendFactory.Open(server.RestUrl("repo"), new BackendSettings()))
        {
            var e = await Assert.ThrowsAsync<BackendException>(() => untrusted.CreateAsync(Ct));
            Assert.Equal(BackendErrorKind.Permanent, e.Kind);
            Assert.Contains("--cacert", e.Message);
        }
        using var trusted = BackendFactory.Open(server.RestUrl("repo"), new BackendSettings { CaCertificateFiles = [cert] });
        await trusted.CreateAsync(Ct);
        var data = Random(70_000);
        await trusted.SaveAsync(FileType.Index, NameOf(data), data, Ct);
        Assert.Equal(data, await trusted.ReadAllAsync(FileType.Index, NameOf(data), Ct));
    }

    private (string Cert, string Key) SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = _temp.Combine("cert.pem");
        var keyPath = _temp.Combine("key.pem");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    [Fact]
    public async Task The_stuck_request_timeout_setting_bounds_a_silent_server()
    {
        using var server = new HostileHttpServer((_, ct) => Task.Delay(Timeout.Infinite, ct));
        using var backend = RestBackend.Open(server.Url, new BackendSettings { StuckRequestTimeout = TimeSpan.FromSeconds(1) });
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Transient, e.Kind);
        Assert.Contains("sent or took nothing for 1 second;", e.Message);
    }

    [Fact]
    public async Task A_silent_server_times_out_as_transient()
    {
        using var server = new HostileHttpServer((_, ct) => Task.Delay(Timeout.Infinite, ct));
        using var backend = RestBackend.Open(server.Url, new BackendSettings());
        backend.IdleTimeout = TimeSpan.FromSeconds(1);
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Transient, e.Kind);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_body_shorter_than_announced_is_an_error_not_a_short_read()
    {
        using var server = new HostileHttpServer(async (stream, ct) =>
        {
            await HostileHttpServer.WriteAsync(stream, "HTTP/1.1 206 Partial Content\r\nContent-Length: 1000\r\nContent-Range: bytes 0-999/5000\r\n\r\n", ct);
            await stream.WriteAsync(new byte[500], ct);
            stream.Close();
        });
        using var backend = RestBackend.Open(server.Url, new BackendSettings());
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.ReadAsync(FileType.Pack, new string('a', 64), 0, new byte[1000], Ct));
        Assert.Equal(BackendErrorKind.Transient, e.Kind);
    }

    [Fact]
    public async Task A_range_answered_with_another_length_is_an_error()
    {
        using var server = new HostileHttpServer(async (stream, ct) =>
        {
            await HostileHttpServer.WriteAsync(stream, "HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nContent-Range: bytes 0-9/5000\r\n\r\n0123456789", ct);
        });
        using var backend = RestBackend.Open(server.Url, new BackendSettings());
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.ReadAsync(FileType.Pack, new string('a', 64), 0, new byte[1000], Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
    }

    [Fact]
    public async Task An_absurd_length_is_refused_before_anything_is_allocated()
    {
        using var server = new HostileHttpServer((stream, ct) =>
            HostileHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n", ct));
        using var backend = RestBackend.Open(server.Url, new BackendSettings());
        long before = GC.GetTotalAllocatedBytes();
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.ReadAllAsync(FileType.Index, new string('a', 64), Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 64 << 20);
    }

    [Fact]
    public async Task An_endless_listing_entry_fails_with_bounded_memory()
    {
        using var server = new HostileHttpServer(async (stream, ct) =>
        {
            await HostileHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.x.restic.rest.v2\r\nConnection: close\r\n\r\n[{\"name\":\"", ct);
            var junk = new byte[64 * 1024];
            Array.Fill(junk, (byte)'a');
            while (!ct.IsCancellationRequested) await stream.WriteAsync(junk, ct);
        });
        using var backend = RestBackend.Open(server.Url, new BackendSettings());
        var e = await Assert.ThrowsAsync<BackendException>(async () =>
        {
            await foreach (var _ in backend.ListAsync(FileType.Pack, Ct)) { }
        });
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Contains("MiB", e.Message);
    }

    public void Dispose() => _temp.Dispose();
}
