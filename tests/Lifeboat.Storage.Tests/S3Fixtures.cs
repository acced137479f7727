using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.S3;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>One s3rver over HTTPS for a test class; each test makes its own bucket.</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private S3rverServer? _server;

    public S3rverServer Server => _server ?? throw new InvalidOperationException("s3rver did not start");
    public string? Unavailable { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Unavailable = S3rverServer.UnavailableReason();
        if (Unavailable is null) _server = await S3rverServer.StartAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }

    public S3rverServer Require()
    {
        if (Unavailable is not null) Assert.Skip(Unavailable);
        return Server;
    }
}

/// <summary>One Ceph RADOS Gateway for every test of the "Ceph" collection: starting it is the slow part.</summary>
public sealed class CephFixture : IDisposable
{
    private readonly Lazy<CephRgw?> _rgw;

    public CephFixture()
    {
        Unavailable = CephRgw.UnavailableReason();
        _rgw = new Lazy<CephRgw?>(() => Unavailable is null ? CephRgw.Start() : null);
    }

    public string? Unavailable { get; }

    public CephRgw Require()
    {
        if (Unavailable is not null) Assert.Skip(Unavailable);
        var rgw = _rgw.Value!;
        TestContext.Current.SendDiagnosticMessage($"Ceph RGW started in {rgw.StartupTime.TotalSeconds:0.0} s");
        return rgw;
    }

    public void Dispose()
    {
        if (_rgw.IsValueCreated) _rgw.Value?.Dispose();
    }
}

[CollectionDefinition("Ceph")]
public sealed class CephCollection : ICollectionFixture<CephFixture>;

/// <summary>How tests open S3 backends: settings with the server's credentials and certificate.</summary>
public static class S3TestSettings
{
    public static BackendSettings For(IReadOnlyDictionary<string, string?> environment, string caCertificate, IReadOnlyDictionary<string, string>? options = null) => new()
    {
        Environment = name => environment.TryGetValue(name, out var value) ? value : null,
        CaCertificateFiles = [caCertificate],
        Options = options ?? new Dictionary<string, string>(),
        Retry = RetryPolicy.Default,
    };

    /// <summary>A bucket name nobody used yet.</summary>
    public static string NewBucket(string prefix = "lb") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];

    /// <summary>The raw backend (no retry layer) on a new bucket, created.</summary>
    public static async Task<S3Backend> CreateAsync(string location, BackendSettings settings)
    {
        var backend = S3Backend.Open(location, settings);
        await backend.CreateAsync(TestContext.Current.CancellationToken);
        return backend;
    }
}
