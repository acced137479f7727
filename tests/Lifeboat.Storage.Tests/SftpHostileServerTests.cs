using System.Diagnostics;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.Sftp;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// Servers that lie or go silent, played by small shell scripts given as <c>-o sftp.command</c>: the client must end
/// with one clear error, quickly, without allocating what the server claims.
/// </summary>
public sealed class SftpHostileServerTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _dir = new("lb-sftp-hostile");

    // VERSION 3 with no extensions: length 5, type 2, version 3.
    private const string Version = @"printf '\000\000\000\005\002\000\000\000\003'";

    private SftpBackend Backend(string script, int timeoutSeconds = 30)
    {
        var path = _dir.Combine("server.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + script + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
        return new SftpBackend("sftp:hostile:repo", new BackendSettings
        {
            Options = new Dictionary<string, string> { ["sftp.command"] = path, ["sftp.timeout"] = timeoutSeconds.ToString() },
        });
    }

    [Fact]
    public async Task A_packet_length_of_four_gigabytes_is_refused_without_allocating_it()
    {
        using var backend = Backend($"{Version}\nhead -c 4 >/dev/null\nprintf '\\377\\377\\377\\360'\nexec sleep 60");
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Contains("packet of 4294967280 bytes", e.Message);
        Assert.Equal(BackendErrorKind.Permanent, e.Kind);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_huge_version_packet_is_refused()
    {
        using var backend = Backend(@"printf '\177\377\377\377\002'; exec sleep 60");
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Contains("VERSION packet of 2147483647 bytes", e.Message);
    }

    [Fact]
    public async Task A_silent_server_times_out_as_a_transient_error()
    {
        using var backend = Backend($"{Version}\nexec sleep 60", timeoutSeconds: 2);
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Equal(BackendErrorKind.Transient, e.Kind);
        Assert.Contains("no answer from hostile for 2 s", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task A_server_that_never_answers_init_times_out()
    {
        using var backend = Backend("exec sleep 60", timeoutSeconds: 2);
        var e = await Assert.ThrowsAsync<BackendException>(() => backend.StatAsync(FileType.Config, "config", Ct));
        Assert.Contains("no SFTP answer within 2 s", e.Message);
    }

    [Fact]
    public async Task A_name_list_claiming_more_entries_than_it_holds_is_refused()
    {
        // The client asks LSTAT keys, key, config (ids 1-3) on connecting, then OPENDIR snapshots (4) and READDIR (5).
        // The script answers in that order without reading: NO_SUCH_FILE three times, HANDLE "h", then a NAME whose
        // count says 0x7fffffff entries follow and none do.
        const string noSuchFile = @"\000\000\000\021\145\000\000\000\{0}\000\000\000\002\000\000\000\000\000\000\000\000";
        using var backend = Backend(
            Version + "\nsleep 0.3\n" +
            $"printf '{string.Format(noSuchFile, "001")}{string.Format(noSuchFile, "002")}{string.Format(noSuchFile, "003")}'\n" +
            "sleep 0.3\n" +
            @"printf '\000\000\000\012\146\000\000\000\004\000\000\000\001h'" + "\n" +
            "sleep 0.3\n" +
            @"printf '\000\000\000\011\150\000\000\000\005\177\377\377\377'" + "\n" +
            "exec sleep 60");
        var e = await Assert.ThrowsAsync<BackendException>(async () =>
        {
            await foreach (var _ in backend.ListAsync(FileType.Snapshot, Ct)) { }
        });
        Assert.Contains("more entries than bytes", e.Message);
    }

    public void Dispose() => _dir.Dispose();
}
