using System.Security.Cryptography;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.S3;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>What the S3 backend adds to the contract, against s3rver over HTTPS: layout, paging, errors a user can cause.</summary>
public sealed class S3BackendTests(S3rverFixture fixture) : IClassFixture<S3rverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NameOf(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    [Fact]
    public async Task Files_are_stored_in_restics_default_layout_under_the_prefix()
    {
        var server = fixture.Require();
        var bucket = S3TestSettings.NewBucket();
        using var backend = await S3TestSettings.CreateAsync(server.Location(bucket, "some/prefix/"), S3TestSettings.For(server.Environment, server.CaCertificateFile));
        var pack = RandomNumberGenerator.GetBytes(1234);
        var snapshot = RandomNumberGenerator.GetBytes(99);
        await backend.SaveAsync(FileType.Pack, NameOf(pack), pack, Ct);
        await backend.SaveAsync(FileType.Snapshot, NameOf(snapshot), snapshot, Ct);
        await backend.SaveAsync(FileType.Config, "config", new byte[] { 7 }, Ct);

        // s3rver keeps each object as a file named by its key.
        string root = Path.Combine(server.DataDirectory, bucket, "some", "prefix");
        Assert.Equal(pack, File.ReadAllBytes(Path.Combine(root, "data", NameOf(pack)[..2], NameOf(pack) + "._S3rver_object")));
        Assert.Equal(snapshot, File.ReadAllBytes(Path.Combine(root, "snapshots", NameOf(snapshot) + "._S3rver_object")));
        Assert.Equal([7], File.ReadAllBytes(Path.Combine(root, "config._S3rver_object")));
        Assert.False(backend.IsS3Legacy);
    }

    [Fact]
    public async Task Two_prefixes_in_one_bucket_are_two_repositories()
    {
        var server = fixture.Require();
        var bucket = S3TestSettings.NewBucket();
        var settings = S3TestSettings.For(server.Environment, server.CaCertificateFile);
        using var a = await S3TestSettings.CreateAsync(server.Location(bucket, "a"), settings);
        using var b = await S3TestSettings.CreateAsync(server.Location(bucket, "b"), settings);
        using var root = await S3TestSettings.CreateAsync(server.Location(bucket), settings);
        var data = RandomNumberGenerator.GetBytes(10);
        await a.SaveAsync(FileType.Key, NameOf(data), data, Ct);
        Assert.True(await a.ExistsAsync(FileType.Key, NameOf(data), Ct));
        Assert.False(await b.ExistsAsync(FileType.Key, NameOf(data), Ct));
        await foreach (var _ in root.ListAsync(FileType.Key, Ct)) Assert.Fail("the bucket's root repository sees a prefix's key");
    }

    [Fact]
    public async Task Listing_pages_through_more_than_a_thousand_keys()
    {
        var server = fixture.Require();
        using var backend = await S3TestSettings.CreateAsync(server.Location(S3TestSettings.NewBucket()), S3TestSettings.For(server.Environment, server.CaCertificateFile));
        var names = Enumerable.Range(0, 1050).Select(i => NameOf(BitConverter.GetBytes(i))).ToHashSet();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 5, CancellationToken = Ct },
            async (name, ct) => await backend.SaveAsync(FileType.Lock, name, new byte[] { 1 }, ct));
        var listed = new List<string>();
        await foreach (var file in backend.ListAsync(FileType.Lock, Ct)) listed.Add(file.Name);
        Assert.Equal(names.Count, listed.Count);
        Assert.True(names.SetEquals(listed));
    }

    [Fact]
    public async Task The_s3legacy_layout_is_detected_on_open()
    {
        var server = fixture.Require();
        var location = server.Location(S3TestSettings.NewBucket(), "old");
        var data = RandomNumberGenerator.GetBytes(50);
        var legacySettings = S3TestSettings.For(server.Environment, server.CaCertificateFile, new Dictionary<string, string> { ["s3.layout"] = "s3legacy" });
        using (var legacy = await S3TestSettings.CreateAsync(location, legacySettings))
        {
            await legacy.SaveAsync(FileType.Key, NameOf(data), data, Ct);
            await legacy.SaveAsync(FileType.Pack, NameOf(data), data, Ct);
        }
        using var opened = S3Backend.Open(location, S3TestSettings.For(server.Environment, server.CaCertificateFile));
        var keys = new List<BackendFile>();
        await foreach (var f in opened.ListAsync(FileType.Key, Ct)) keys.Add(f);
        Assert.True(opened.IsS3Legacy);
        Assert.Equal([new BackendFile(NameOf(data), 50)], keys);
        Assert.Equal(data, await opened.ReadAllAsync(FileType.Pack, NameOf(data), Ct));
    }

    [Fact]
    public async Task An_unknown_access_key_is_one_permanent_line()
    {
        var server = fixture.Require();
        var env = server.Environment;
        env["AWS_ACCESS_KEY_ID"] = "NOBODY";
        using var backend = S3Backend.Open(server.Location(S3TestSettings.NewBucket()), S3TestSettings.For(env, server.CaCertificateFile));
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Contains("InvalidAccessKeyId", e.Message);
    }

    [Fact]
    public async Task A_missing_bucket_says_so_and_how_to_make_it()
    {
        var server = fixture.Require();
        var bucket = S3TestSettings.NewBucket();
        using var backend = S3Backend.Open(server.Location(bucket), S3TestSettings.For(server.Environment, server.CaCertificateFile));
        var e = await Assert.ThrowsAnyAsync<BackendException>(() => backend.ReadAllAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Contains($"bucket {bucket} does not exist", e.Message);
        Assert.Contains("create it or run init", e.Message);
        Assert.IsNotType<BackendFileNotFoundException>(e);
        Assert.IsNotType<BackendFileNotFoundException>(await Assert.ThrowsAnyAsync<BackendException>(async () => { await foreach (var _ in backend.ListAsync(FileType.Key, Ct)) { } }));
        // Asking whether a file exists is answered: no file exists in a bucket that does not (init relies on it).
        Assert.False(await backend.ExistsAsync(FileType.Config, "config", Ct));
    }

    [Fact]
    public async Task An_untrusted_certificate_is_permanent_and_names_cacert()
    {
        var server = fixture.Require();
        var settings = S3TestSettings.For(server.Environment, server.CaCertificateFile) with { CaCertificateFiles = [] };
        using var backend = S3Backend.Open(server.Location(S3TestSettings.NewBucket()), settings);
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Contains("--cacert", e.Message);
    }

    [Fact]
    public async Task A_server_that_accepts_and_never_answers_is_a_transient_timeout_not_a_hang()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<System.Net.Sockets.Socket>();
        var accepting = Task.Run(async () =>
        {
            try { while (true) accepted.Add(await silent.AcceptSocketAsync(Ct)); }
            catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException) { }
        }, Ct);
        int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var settings = new BackendSettings { Environment = name => name switch { "AWS_ACCESS_KEY_ID" => "id", "AWS_SECRET_ACCESS_KEY" => "secret", _ => null } };
        using var backend = new S3Backend(S3Location.Parse($"s3:http://127.0.0.1:{port}/bucket"), S3Credentials.Resolve(settings.Environment), S3Options.From(settings), [])
        {
            IdleTimeout = TimeSpan.FromSeconds(1),
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.ReadAllAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Transient, e.Kind);
        Assert.Contains("no answer", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        silent.Stop();
        foreach (var socket in accepted) socket.Dispose();
    }

    [Fact]
    public async Task A_server_that_is_gone_is_transient_and_a_retry_lands_once_it_is_back()
    {
        fixture.Require();
        using var server = await S3rverServer.StartAsync(Ct);
        var settings = S3TestSettings.For(server.Environment, server.CaCertificateFile);
        var location = server.Location(S3TestSettings.NewBucket());
        using (await S3TestSettings.CreateAsync(location, settings)) { }
        using var raw = S3Backend.Open(location, settings);
        var data = RandomNumberGenerator.GetBytes(5000);
        await raw.SaveAsync(FileType.Index, NameOf(data), data, Ct);

        server.Kill();
        var e = await Assert.ThrowsAsync<BackendException>(() => raw.ReadAllAsync(FileType.Index, NameOf(data), Ct));
        Assert.Equal(BackendErrorKind.Transient, e.Kind);
        Assert.DoesNotContain('\n', e.Message);

        var notices = new List<RetryNotice>();
        using var retrying = new RetryBackend(S3Backend.Open(location, settings), RetryPolicy.Default, notices.Add);
        var restart = Task.Run(async () => { await Task.Delay(1500, Ct); await server.Restart(Ct); }, Ct);
        var other = RandomNumberGenerator.GetBytes(7000);
        await retrying.SaveAsync(FileType.Index, NameOf(other), other, Ct);
        await restart;
        Assert.NotEmpty(notices);
        Assert.Equal(other, await retrying.ReadAllAsync(FileType.Index, NameOf(other), Ct));
        Assert.Equal(data, await retrying.ReadAllAsync(FileType.Index, NameOf(data), Ct));
    }
}
