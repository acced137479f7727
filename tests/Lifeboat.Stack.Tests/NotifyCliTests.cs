using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>`lifeboat backup --notify` (the real binary, a real local repository): the run's start and end reach a webhook.</summary>
public sealed class NotifyCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly NotificationReceiver _receiver = new();
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath);

    public NotifyCliTests()
    {
        Directory.CreateDirectory(_temp.Combine("mnt/plexdata"));
        File.WriteAllText(_temp.Combine("mnt/plexdata/Preferences.xml"), "<Preferences/>");
        Directory.CreateDirectory(_temp.Combine("etc"));
    }

    private void WriteConfig(string paths, string url) => File.WriteAllText(ConfigPath, $"""
        repository: {_temp.Combine("backup/repo")}
        password-file: secrets/password
        host: media-vm
        apps:
          plex:
            paths: [{paths}]
        notify:
          - type: webhook
            url: {url}
            events: [start, success, warning, failure]
        """);

    private List<JsonElement> Events(int count) =>
        _receiver.WaitFor(count).Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();

    [Fact]
    public void ABackupReportsItsStartAndSuccessToTheWebhook()
    {
        WriteConfig(_temp.Combine("mnt/plexdata"), _receiver.Url("hook"));
        Cli.RunChecked("init");
        var r = new LifeboatCli().Run("backup", "--config", ConfigPath, "--notify");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var events = Events(2);
        Assert.Equal(["start", "success"], events.Select(e => e.GetProperty("event").GetString()));
        Assert.All(events, e => Assert.Equal(("backup", "cli", "media-vm"), (e.GetProperty("job").GetString(), e.GetProperty("trigger").GetString(), e.GetProperty("host").GetString())));
        Assert.Equal(events[0].GetProperty("run_id").GetString(), events[1].GetProperty("run_id").GetString());
        Assert.Equal(0, events[1].GetProperty("exit_code").GetInt32());
        Assert.Equal("backup succeeded", events[1].GetProperty("summary").GetString());
        Assert.Contains("snapshot", events[1].GetProperty("log_tail").GetString());
        Assert.Contains("snapshot", r.Stdout); // the output still reaches the terminal
    }

    [Fact]
    public void ABackupOfAMissingPathReportsAFailureWithItsError()
    {
        WriteConfig(_temp.Combine("mnt/plexdata"), _receiver.Url("hook"));
        Cli.RunChecked("init");
        WriteConfig(_temp.Combine("mnt/gone"), _receiver.Url("hook"));
        var r = Cli.Run("backup", "--notify");
        Assert.Equal(1, r.ExitCode);
        var events = Events(2);
        Assert.Equal(["start", "failure"], events.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal(1, events[1].GetProperty("exit_code").GetInt32());
        Assert.Contains("mnt/gone of app plex does not exist", events[1].GetProperty("log_tail").GetString());
        Assert.Matches(@"^backup failed: .*lifeboat\.yaml:6: .*mnt/gone of app plex does not exist.* \(exit code 1\)$", events[1].GetProperty("summary").GetString());
    }

    [Fact]
    public void AReceiverThatIsDownDoesNotFailTheBackup()
    {
        WriteConfig(_temp.Combine("mnt/plexdata"), $"http://127.0.0.1:{LoopbackPort.Free()}/hook");
        Cli.RunChecked("init");
        var r = Cli.Run("backup", "--notify");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(2, r.Stderr.Split('\n').Count(l => l.StartsWith("notify: could not send", StringComparison.Ordinal)));
    }

    [Fact]
    public void NotifyWithoutAStackConfigIsRefused()
    {
        var r = new LifeboatCli(_temp.Combine("backup/repo"), "pw").Run("check", "--notify");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--notify sends to the notify: targets of a lifeboat.yaml", r.Stderr);
    }

    public void Dispose()
    {
        _receiver.Dispose();
        _temp.Dispose();
    }
}
