using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.Rest;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>The storage contract over restic's REST protocol, against a real server (rclone serve restic).</summary>
public sealed class RestBackendConformanceTests(RcloneServerFixture fixture) : BackendConformance, IClassFixture<RcloneServerFixture>
{
    protected override async Task<IBackend> CreateBackendAsync()
    {
        var backend = RestBackend.Open(fixture.Server.RestUrl(Guid.NewGuid().ToString("N")), new BackendSettings());
        await backend.CreateAsync(TestContext.Current.CancellationToken);
        return backend;
    }
}

/// <summary>The storage contract through an rclone child over its stdin and stdout, on a local directory remote.</summary>
public sealed class RcloneBackendConformanceTests : BackendConformance, IDisposable
{
    private readonly TempDirectory _dir = new("lifeboat-rclone-remote");

    protected override async Task<IBackend> CreateBackendAsync()
    {
        var backend = RcloneBackend.Open("rclone:" + _dir.Combine(Guid.NewGuid().ToString("N")), RcloneSettings.For(_dir.Path));
        await backend.CreateAsync(TestContext.Current.CancellationToken);
        return backend;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>Settings that point rclone children at a config of the test's own (rclone reads no user config).</summary>
internal static class RcloneSettings
{
    public static BackendSettings For(string directory, IReadOnlyDictionary<string, string>? options = null)
    {
        var args = string.Join(' ', RcloneBackend.DefaultArgs) + $" --config '{Path.Combine(directory, "rclone.conf")}'";
        var all = new Dictionary<string, string>(options ?? new Dictionary<string, string>()) { ["rclone.args"] = args };
        if (options is not null && options.TryGetValue("rclone.args", out var given)) all["rclone.args"] = given;
        return new BackendSettings { Options = all };
    }
}
