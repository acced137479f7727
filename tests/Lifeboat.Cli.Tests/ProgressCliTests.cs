using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// The live progress line of the long steps: drawn on a terminal (script(1) gives the command a pseudo-terminal, as an
/// interactive shell would), with the time left once the rate is known; never in redirected output nor with --json.
/// </summary>
public sealed class ProgressCliTests : CliTestBase
{
    private const string Redraw = "\r\u001b[K";

    /// <summary>32 MiB of random data in 4 MiB packs: about 9 packs, which --limit-download makes slow to read.</summary>
    private void BackupSeveralPacks()
    {
        var data = new byte[32 << 20];
        new Random(5).NextBytes(data);
        File.WriteAllBytes(Path.Combine(Source, "library.bin"), data);
        Cli.RunChecked("init");
        Cli.RunChecked("backup", "--pack-size", "4", Source);
    }

    /// <summary>Runs lifeboat on a pseudo-terminal 200 columns wide (script's own has no size: lines would be cut to 20).</summary>
    private ProcessResult OnTerminal(string arguments) =>
        ProcessRunner.Run("script", ["-qfec", $"stty cols 200 rows 50; {LifeboatCli.Binary} {arguments}", "/dev/null"], Cli.Environment.ToDictionary(), null, TimeSpan.FromMinutes(5), null);

    [Fact]
    public void CheckReadDataOnATerminalCountsThePacksAndGivesTheTimeLeft()
    {
        BackupSeveralPacks();
        // about 4 MiB a second: a pack a second or so, so the rate is known (2 s of progress) well before the last one
        var r = OnTerminal("check --read-data --limit-download 4096");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"\r\u001b\[K\[\d+:\d\d\] \d+\.\d\d%  \d+ / \d+ packs, \d+\.\d packs/s ETA \d+:\d\d", r.Stdout);
        Assert.Contains("no errors were found", r.Stdout);
    }

    [Fact]
    public void RestoreOnATerminalShowsItsLineAndRedirectedOrJsonOutputHasNone()
    {
        BackupSeveralPacks();
        var r = OnTerminal($"restore latest --target {Temp.Combine("on-terminal")} --limit-download 16384");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"\r\u001b\[K\[\d+:\d\d\] \d+\.\d\d%  \d+ files/dirs", r.Stdout);

        // the same restore into a pipe, and on a terminal with --json: no line drawn, nothing but the output
        var piped = Cli.RunChecked("restore", "latest", "--target", Temp.Combine("piped"), "--limit-download", "16384");
        Assert.DoesNotContain(Redraw, piped.Stdout + piped.Stderr);
        var json = OnTerminal($"restore latest --json --target {Temp.Combine("json")} --limit-download 16384");
        Assert.Equal(0, json.ExitCode);
        Assert.DoesNotContain(Redraw, json.Stdout);
        Assert.Contains("\"message_type\":\"summary\"", json.Stdout);
    }

    [Fact]
    public void CheckReadDataIntoAPipeDrawsNoProgress()
    {
        BackupSeveralPacks();
        var r = Cli.RunChecked("check", "--read-data", "--limit-download", "16384");
        Assert.DoesNotContain(Redraw, r.Stdout + r.Stderr);
        Assert.Contains("no errors were found", r.Stdout);
    }
}
