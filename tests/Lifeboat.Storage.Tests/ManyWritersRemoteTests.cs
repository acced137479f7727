using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// Four hosts backing up into one repository at once, with shared locks, while a forget --prune waits for its
/// exclusive lock (<see cref="ManyWritersScenario"/>), on the remote backends the local and S3 runs do not cover:
/// sftp (a private sshd) and rest (rclone serve restic). Then restic 0.14 checks every byte and every snapshot restores.
/// </summary>
public sealed class ManyWritersRemoteTests(SshServerFixture ssh) : IClassFixture<SshServerFixture>, IDisposable
{
    private const string Password = "many writers on remote stores";
    private readonly TempDirectory _temp = new("lifeboat-many-writers-remote");
    private RcloneServer? _rclone;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Four_hosts_and_a_waiting_prune_on_sftp_lose_nothing()
    {
        var server = ssh.Server;
        var location = SshServer.Location("many-writers-" + Guid.NewGuid().ToString("N")[..8]);
        var scenario = new ManyWritersScenario(_temp,
            () => new LifeboatCli(location, Password),
            ["-o", $"sftp.args={server.SftpArgs()}", "--cache-dir", _temp.Combine("cache")],
            () => new Restic(location, Password), ["-o", $"sftp.command={server.SftpCommand()}"]);
        Report("sftp", await scenario.RunAsync(Ct));
    }

    [Fact]
    public async Task Four_hosts_and_a_waiting_prune_on_rest_lose_nothing()
    {
        Assert.SkipWhen(RcloneServer.UnavailableReason() is not null, RcloneServer.UnavailableReason() ?? "");
        _rclone = new RcloneServer();
        var location = _rclone.RestUrl("many-writers");
        var scenario = new ManyWritersScenario(_temp,
            () => new LifeboatCli(location, Password), ["--cache-dir", _temp.Combine("cache")],
            () => new Restic(location, Password), []);
        Report("rest", await scenario.RunAsync(Ct));
    }

    private static void Report(string backend, ManyWritersScenario.Outcome outcome)
    {
        Assert.Equal(12, outcome.Backups);
        Assert.True(outcome.PruneOverlappedBackups, "the prune was asked for only after every backup had ended: nothing was concurrent");
        var figures = $"many writers ({backend}): {outcome.Backups} concurrent backups and a prune, {outcome.Snapshots} snapshots checked and restored in {outcome.Elapsed.TotalSeconds:F1} s; the prune waited {outcome.PruneWaited.TotalSeconds:F1} s";
        TestContext.Current.TestOutputHelper?.WriteLine(figures);
        if (Environment.GetEnvironmentVariable("LIFEBOAT_CAMPAIGN_REPORT") is { Length: > 0 } report) File.AppendAllText(report, figures + "\n");
    }

    public void Dispose()
    {
        _rclone?.Dispose();
        _temp.Dispose();
    }
}
