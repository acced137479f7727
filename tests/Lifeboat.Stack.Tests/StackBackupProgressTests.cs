using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>On a terminal, a stack backup shows restic's live status line, prefixed with the app it is working on.</summary>
public sealed class StackBackupProgressTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void OnATerminalTheStackBackupShowsAProgressLineNamingTheApp()
    {
        Directory.CreateDirectory(_temp.Combine("mnt/plex"));
        // enough data that the backup outlives the first redraw (every 250 ms) on any machine
        var data = new byte[96 << 20];
        new Random(3).NextBytes(data);
        File.WriteAllBytes(_temp.Combine("mnt/plex/library.bin"), data);
        var config = _temp.Combine("lifeboat.yaml");
        File.WriteAllText(config, $"repository: {_temp.Combine("repo")}\npassword-file: password\nhost: media-vm\napps:\n  plex:\n    paths: [{_temp.Combine("mnt/plex")}]\n");
        var cli = new LifeboatCli().With("LIFEBOAT_CONFIG", config);
        cli.RunChecked("init");

        // script(1) gives the command a pseudo-terminal, as an interactive shell would
        var env = new Dictionary<string, string?> { ["LIFEBOAT_CONFIG"] = config, ["LIFEBOAT_STATE_DIR"] = _temp.Combine("state") };
        var r = ProcessRunner.Run("script", ["-qfec", $"{LifeboatCli.Binary} backup", "/dev/null"], env, null, TimeSpan.FromMinutes(5), null);
        Assert.Equal(0, r.ExitCode);
        // "plex: [0:00] 46.15% ..." (cut to the terminal's width): a percentage, so the totals were counted ahead
        Assert.Matches(@"\r\u001b\[Kplex: \[\d+:\d\d\] \d+\.\d\d%", r.Stdout);
        Assert.Contains("plex: snapshot ", r.Stdout);
    }

    public void Dispose() => _temp.Dispose();
}
