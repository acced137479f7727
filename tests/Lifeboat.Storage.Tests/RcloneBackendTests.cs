using System.Diagnostics;
using System.Security.Cryptography;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.Rest;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>rclone: the child's life: started per backend, gone with it, and its death or refusal told in one line.</summary>
public sealed class RcloneBackendTests : IDisposable
{
    private readonly TempDirectory _dir = new("lifeboat-rclone-tests");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool Alive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
    }

    [Fact]
    public async Task The_child_serves_the_directory_and_is_gone_after_dispose()
    {
        var remote = _dir.Combine("remote");
        var backend = RcloneBackend.Open("rclone:" + remote, RcloneSettings.For(_dir.Path));
        int pid = backend.ProcessId;
        Assert.True(Alive(pid));
        await backend.CreateAsync(Ct);
        var data = RandomNumberGenerator.GetBytes(4096);
        var name = Convert.ToHexStringLower(SHA256.HashData(data));
        await backend.SaveAsync(FileType.Pack, name, data, Ct);
        // rclone keeps restic's sharded layout on the remote.
        Assert.True(File.Exists(Path.Combine(remote, "data", name[..2], name)));
        backend.Dispose();
        Assert.False(Alive(pid));
    }

    [Fact]
    public async Task When_rclone_dies_operations_fail_at_once_naming_it()
    {
        using var backend = RcloneBackend.Open("rclone:" + _dir.Combine("remote"), RcloneSettings.For(_dir.Path));
        await backend.CreateAsync(Ct);
        using (var p = Process.GetProcessById(backend.ProcessId))
        {
            p.Kill();
            p.WaitForExit();
        }
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Contains("rclone", e.Message);
        Assert.Contains("exited", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void An_unknown_remote_fails_with_what_rclone_said()
    {
        var e = Assert.Throws<BackendException>(() => RcloneBackend.Open("rclone:no-such-remote:backups", RcloneSettings.For(_dir.Path)));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Contains("rclone exited with code", e.Message);
        Assert.Contains("no-such-remote", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_missing_program_is_named()
    {
        var settings = RcloneSettings.For(_dir.Path, new Dictionary<string, string> { ["rclone.program"] = "/nonexistent/rclone" });
        var e = Assert.Throws<BackendException>(() => RcloneBackend.Open("rclone:" + _dir.Combine("remote"), settings));
        Assert.Contains("/nonexistent/rclone", e.Message);
        Assert.Contains("rclone.program", e.Message);
    }

    [Fact]
    public void Options_are_read_as_restic_reads_them()
    {
        Assert.True(RcloneBackend.TryParseDuration("1m30s", out var d));
        Assert.Equal(TimeSpan.FromSeconds(90), d);
        Assert.True(RcloneBackend.TryParseDuration("500ms", out d));
        Assert.Equal(TimeSpan.FromMilliseconds(500), d);
        Assert.False(RcloneBackend.TryParseDuration("soon", out _));
        var e = Assert.Throws<BackendException>(() => RcloneBackend.Open("rclone:x", new BackendSettings { Options = new Dictionary<string, string> { ["rclone.timeout"] = "soon" } }));
        Assert.Contains("rclone.timeout", e.Message);
    }

    [Fact]
    public void The_factory_opens_both_schemes_behind_retries()
    {
        using var server = new RcloneServer();
        using var rest = BackendFactory.Open(server.RestUrl("repo"), new BackendSettings());
        Assert.IsType<RetryBackend>(rest);
        Assert.False(rest.IsLocal);
        using (var seven = BackendFactory.Open(server.RestUrl("repo"), new BackendSettings { Options = new Dictionary<string, string> { ["rest.connections"] = "7" } }))
            Assert.Equal(7, seven.Connections);
        using var rclone = BackendFactory.Open("rclone:" + _dir.Combine("remote"), RcloneSettings.For(_dir.Path));
        Assert.IsType<RetryBackend>(rclone);
        Assert.Equal(5, rclone.Connections);
    }

    public void Dispose() => _dir.Dispose();
}
