using Lifeboat.Engine.Storage;

namespace Lifeboat.Storage.Tests;

/// <summary>The storage contract against s3rver over HTTPS: each test on a bucket of its own, under a prefix.</summary>
public sealed class S3rverConformanceTests(S3rverFixture fixture) : BackendConformance, IClassFixture<S3rverFixture>
{
    protected override async Task<IBackend> CreateBackendAsync()
    {
        var server = fixture.Require();
        return await S3TestSettings.CreateAsync(server.Location(S3TestSettings.NewBucket(), "repo/one"),
            S3TestSettings.For(server.Environment, server.CaCertificateFile));
    }
}

/// <summary>The storage contract against a real Ceph RADOS Gateway over HTTPS, at the bucket's root.</summary>
[Collection("Ceph")]
public sealed class CephConformanceTests(CephFixture fixture) : BackendConformance
{
    protected override async Task<IBackend> CreateBackendAsync()
    {
        var rgw = fixture.Require();
        return await S3TestSettings.CreateAsync(rgw.Location(S3TestSettings.NewBucket()),
            S3TestSettings.For(rgw.Environment, rgw.CaCertificateFile));
    }
}

/// <summary>The storage contract against Ceph over plain HTTP: every payload signed (x-amz-content-sha256 of the body).</summary>
[Collection("Ceph")]
public sealed class CephHttpConformanceTests(CephFixture fixture) : BackendConformance
{
    protected override async Task<IBackend> CreateBackendAsync()
    {
        var rgw = fixture.Require();
        return await S3TestSettings.CreateAsync(rgw.HttpLocation(S3TestSettings.NewBucket(), "over/http"),
            S3TestSettings.For(rgw.Environment, rgw.CaCertificateFile));
    }
}
