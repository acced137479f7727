using System.Security.Cryptography;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.S3;

namespace Lifeboat.Storage.Tests;

/// <summary>What only a real gateway shows: signatures checked, a real bucket namespace, paging.</summary>
[Collection("Ceph")]
public sealed class CephBackendTests(CephFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_wrong_secret_key_is_one_permanent_line_without_the_secret()
    {
        var rgw = fixture.Require();
        var location = rgw.Location(S3TestSettings.NewBucket());
        using (await S3TestSettings.CreateAsync(location, S3TestSettings.For(rgw.Environment, rgw.CaCertificateFile))) { }
        var env = rgw.Environment;
        env["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-xyz";
        using var backend = S3Backend.Open(location, S3TestSettings.For(env, rgw.CaCertificateFile));
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Contains("SignatureDoesNotMatch", e.Message);
        Assert.Contains("AWS_SECRET_ACCESS_KEY", e.Message);
        Assert.DoesNotContain("not-the-secret-xyz", e.Message);
        Assert.DoesNotContain(rgw.SecretKey, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task An_unknown_access_key_and_a_missing_bucket_are_one_permanent_line_each()
    {
        var rgw = fixture.Require();
        var bucket = S3TestSettings.NewBucket();
        var env = rgw.Environment;
        env["AWS_ACCESS_KEY_ID"] = "NOBODY";
        using (var stranger = S3Backend.Open(rgw.Location(bucket), S3TestSettings.For(env, rgw.CaCertificateFile)))
        {
            var e = await Assert.ThrowsAsync<BackendException>(() => stranger.StatAsync(FileType.Config, "config", Ct));
            Assert.Equal(BackendErrorKind.Permanent, e.Kind);
            Assert.Contains("InvalidAccessKeyId", e.Message);
        }
        using var backend = S3Backend.Open(rgw.Location(bucket), S3TestSettings.For(rgw.Environment, rgw.CaCertificateFile));
        var missing = await Assert.ThrowsAnyAsync<BackendException>(() => backend.ReadAllAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Permanent, missing.Kind);
        Assert.Contains($"bucket {bucket} does not exist", missing.Message);
    }

    [Fact]
    public async Task Listing_pages_through_more_than_a_thousand_keys()
    {
        var rgw = fixture.Require();
        using var backend = await S3TestSettings.CreateAsync(rgw.Location(S3TestSettings.NewBucket(), "p"), S3TestSettings.For(rgw.Environment, rgw.CaCertificateFile));
        var names = Enumerable.Range(0, 1020).Select(i => Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)))).ToHashSet();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 5, CancellationToken = Ct },
            async (name, ct) => await backend.SaveAsync(FileType.Pack, name, new byte[] { 1, 2 }, ct));
        var listed = new List<BackendFile>();
        await foreach (var file in backend.ListAsync(FileType.Pack, Ct)) listed.Add(file);
        Assert.True(names.SetEquals(listed.Select(f => f.Name)));
        Assert.All(listed, f => Assert.Equal(2, f.Size));
    }
}
