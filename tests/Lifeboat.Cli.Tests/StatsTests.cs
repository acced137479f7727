using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

public class StatsTests : CliTestBase, IDiffTestSource
{
    string IDiffTestSource.Source => Source;
    void IDiffTestSource.Write(string relative, string content) => WriteFile(relative, content);

    [Fact]
    public void Stats_EveryModeEqualsRestic()
    {
        using var restic = new Restic(Repo, Password);
        var (first, _) = DiffTestRepository.Create(this, restic);
        // a third snapshot written by Lifeboat, into the same repository
        WriteFile("docs/lifeboat.txt", new string('l', 20_000));
        Cli.RunChecked("backup", Source);
        foreach (var mode in new[] { "restore-size", "files-by-contents", "raw-data", "blobs-per-file" })
        {
            foreach (var snapshots in new[] { Array.Empty<string>(), [first], ["latest"] })
            {
                string[] args = ["stats", "--json", "--mode", mode, .. snapshots];
                var ours = Cli.Run(args);
                Assert.True(ours.ExitCode == 0, ours.Stderr);
                Assert.Equal(restic.RunChecked(args).Stdout.Trim(), ours.Stdout.Trim());
            }
            var text = Cli.RunChecked("stats", "--mode", mode).Stdout;
            Assert.Equal(DiffTestRepository.ResticOutput(restic.RunChecked("stats", "--mode", mode)).Trim(), text.Trim());
        }
        var bad = Cli.Run("stats", "--mode", "nonsense");
        Assert.Equal(1, bad.ExitCode);
        AssertNoStackTrace(bad);
    }
}
