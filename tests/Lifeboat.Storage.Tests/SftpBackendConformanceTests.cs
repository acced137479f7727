using System.Security.Cryptography;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.Sftp;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>The storage contract against a real OpenSSH sshd and sftp-server, through the system's ssh.</summary>
public sealed class SftpBackendConformanceTests(SshServerFixture fixture) : BackendConformance, IClassFixture<SshServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static BackendSettings Settings(SshServer server, params (string Key, string Value)[] extra)
    {
        var options = new Dictionary<string, string> { ["sftp.args"] = server.SftpArgs() };
        foreach (var (key, value) in extra) options[key] = value;
        return new BackendSettings { Options = options };
    }

    internal static string NewName() => "repo-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    protected override async Task<IBackend> CreateBackendAsync()
    {
        var backend = new SftpBackend(SshServer.Location(NewName()), Settings(fixture.Server));
        await backend.CreateAsync(Ct);
        return backend;
    }

    [Fact]
    public async Task Init_makes_restics_layout_with_restics_modes_relative_to_the_login_folder()
    {
        var server = fixture.Server;
        var name = NewName();
        using var backend = new SftpBackend(SshServer.Location(name), Settings(server));
        await backend.CreateAsync(Ct);
        var root = Path.Combine(server.HomePath, name);
        foreach (var folder in new[] { "keys", "locks", "snapshots", "index", "data" })
            Assert.True(Directory.Exists(Path.Combine(root, folder)), folder);
        Assert.Equal(256, Directory.GetDirectories(Path.Combine(root, "data")).Length);
        Assert.True(Directory.Exists(Path.Combine(root, "data", "ff")));
        Assert.Equal((UnixFileMode)0x1C0, File.GetUnixFileMode(Path.Combine(root, "data", "00"))); // 0700

        var data = RandomNumberGenerator.GetBytes(5000);
        var id = Convert.ToHexStringLower(SHA256.HashData(data));
        await backend.SaveAsync(FileType.Pack, id, data, Ct);
        var saved = Path.Combine(root, "data", id[..2], id);
        Assert.Equal(data, File.ReadAllBytes(saved));
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(saved)); // 0600
        // No temp file stays behind.
        Assert.Single(Directory.GetFiles(Path.Combine(root, "data", id[..2])));
    }

    [Fact]
    public async Task An_absolute_path_in_the_url_form_with_port_works()
    {
        var server = fixture.Server;
        var absolute = Path.Combine(server.HomePath, "abs-" + NewName());
        // sftp://user@host:port//abs: the ssh_config supplies the key and known host; host, port and user come from the URL.
        var location = $"sftp://{SshServer.UserName}@{SshServer.HostAlias}:{server.Port}/{absolute}";
        using var backend = new SftpBackend(location, Settings(server));
        Assert.Equal(absolute, backend.Config.Path);
        await backend.CreateAsync(Ct);
        await backend.SaveAsync(FileType.Config, "config", new byte[] { 1, 2, 3 }, Ct);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(absolute, "config")));
    }

    [Fact]
    public async Task A_group_readable_config_gives_group_modes_as_restic_derives_them()
    {
        var server = fixture.Server;
        var name = NewName();
        using (var first = new SftpBackend(SshServer.Location(name), Settings(server)))
        {
            await first.CreateAsync(Ct);
            await first.SaveAsync(FileType.Config, "config", new byte[] { 7 }, Ct);
        }
        var root = Path.Combine(server.HomePath, name);
        File.SetUnixFileMode(Path.Combine(root, "config"), (UnixFileMode)0x1A0); // 0640
        using var backend = new SftpBackend(SshServer.Location(name), Settings(server));
        var data = RandomNumberGenerator.GetBytes(100);
        var id = Convert.ToHexStringLower(SHA256.HashData(data));
        await backend.SaveAsync(FileType.Snapshot, id, data, Ct);
        Assert.Equal((UnixFileMode)0x1B0, File.GetUnixFileMode(Path.Combine(root, "snapshots", id))); // 0660
    }

    [Fact]
    public async Task A_folder_the_user_cannot_write_is_a_permanent_permission_error()
    {
        var server = fixture.Server;
        var name = NewName();
        using var backend = new SftpBackend(SshServer.Location(name), Settings(server));
        await backend.CreateAsync(Ct);
        var root = Path.Combine(server.HomePath, name);
        File.SetUnixFileMode(Path.Combine(root, "snapshots"), (UnixFileMode)0x16D); // 0555
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.SaveAsync(FileType.Snapshot, new string('c', 64), new byte[] { 1 }, Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Contains("permission denied", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task A_full_disk_is_a_permanent_error_and_leaves_no_temp_file()
    {
        var server = fixture.Server;
        var name = NewName();
        using var backend = new SftpBackend(SshServer.Location(name), Settings(server));
        await backend.CreateAsync(Ct);
        // A 1 MiB tmpfs as the repository's snapshots folder.
        var folder = Path.Combine(server.HomePath, name, "snapshots");
        var mount = ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", folder]);
        if (!mount.Succeeded) Assert.Skip($"cannot mount a tmpfs here: {mount.Stderr.Trim()}");
        try
        {
            SshServer.Chown(folder);
            var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
            var e = await Assert.ThrowsAsync<BackendException>(() =>
                backend.SaveAsync(FileType.Snapshot, Convert.ToHexStringLower(SHA256.HashData(data)), data, Ct));
            Assert.Equal(BackendErrorKind.Permanent, e.Kind);
            Assert.Contains("no space left on device", e.Message);
            Assert.Empty(Directory.GetFiles(folder));
        }
        finally
        {
            ProcessRunner.Run("umount", ["-l", folder]);
        }
    }

    [Fact]
    public async Task A_crashed_server_is_a_transient_error_and_the_next_operation_reconnects()
    {
        using var server = new SshServer();
        using var backend = new SftpBackend(SshServer.Location(NewName()), Settings(server));
        await backend.CreateAsync(Ct);
        var data = RandomNumberGenerator.GetBytes(1000);
        var id = Convert.ToHexStringLower(SHA256.HashData(data));
        await backend.SaveAsync(FileType.Index, id, data, Ct);
        Assert.Equal(1, backend.SessionsStarted);

        server.Crash();
        var lost = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Index, id, Ct));
        Assert.Equal(BackendErrorKind.Transient, lost.Kind);
        // While it is down, ssh's "Connection refused" is transient too.
        var refused = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Index, id, Ct));
        Assert.Equal(BackendErrorKind.Transient, refused.Kind);
        Assert.Contains("Connection refused", refused.Message);

        server.Start();
        Assert.Equal(data, await backend.ReadAllAsync(FileType.Index, id, Ct));
        Assert.True(backend.SessionsStarted >= 2);
    }

    [Fact]
    public async Task An_unknown_host_key_fails_permanently_with_sshs_reason()
    {
        var server = fixture.Server;
        var name = NewName();
        using var backend = new SftpBackend(SshServer.Location(name), new BackendSettings
        {
            Options = new Dictionary<string, string> { ["sftp.args"] = server.SftpArgs(server.UnknownHostConfigPath) },
        });
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.CreateAsync(Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.Equal($"sftp: ssh to {SshServer.HostAlias} failed: Host key verification failed.", e.Message);
        Assert.False(Directory.Exists(Path.Combine(server.HomePath, name)));
    }

    [Fact]
    public async Task A_key_the_server_refuses_fails_permanently_with_sshs_reason()
    {
        var server = fixture.Server;
        using var backend = new SftpBackend(SshServer.Location(NewName()), new BackendSettings
        {
            Options = new Dictionary<string, string> { ["sftp.args"] = server.SftpArgs(server.WrongKeyConfigPath) },
        });
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.StartsWith($"sftp: ssh to {SshServer.HostAlias} failed: ", e.Message);
        Assert.Contains("Permission denied (publickey)", e.Message);
    }

    [Fact]
    public async Task A_server_never_reached_fails_at_once_as_restic_does()
    {
        var server = fixture.Server;
        // Port 1 on 127.0.0.1: nobody listens; the URL's port wins over the ssh_config's.
        using var backend = new SftpBackend($"sftp://{SshServer.HostAlias}:1/repo", Settings(server));
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.StartsWith($"sftp: ssh to {SshServer.HostAlias}:1 failed: ", e.Message);
        Assert.Contains("Connection refused", e.Message);
    }

    [Fact]
    public async Task A_missing_ssh_program_is_a_permanent_one_line_error()
    {
        using var backend = new SftpBackend("sftp:box:repo", new BackendSettings
        {
            Options = new Dictionary<string, string> { ["sftp.command"] = "/nonexistent/ssh box -s sftp" },
        });
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.StartsWith("sftp: cannot run /nonexistent/ssh for box", e.Message);
    }
}
