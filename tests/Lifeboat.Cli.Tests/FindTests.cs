using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

public class FindTests : CliTestBase, IDiffTestSource
{
    string IDiffTestSource.Source => Source;
    void IDiffTestSource.Write(string relative, string content) => WriteFile(relative, content);

    /// <summary>Groups of "Found matching entries..." blocks, order-independent (restic lists snapshots in no fixed order).</summary>
    private static List<string> Blocks(string output) =>
        output.Replace("\r", "").Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(b => b.Trim()).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void Find_MatchesResticForPatternsCaseAndLongListing()
    {
        using var restic = new Restic(Repo, Password);
        var (first, _) = DiffTestRepository.Create(this, restic);
        string[][] cases =
        [
            ["find", "*.txt"],
            ["find", "readme.txt"],
            ["find", "-i", "readme.txt"],
            ["find", "docs"],
            ["find", "-l", "*.bin", "new"],
            ["find", "--snapshot", first, "*.txt"],
            ["find", "nothing-matches-this"],
        ];
        foreach (var args in cases)
        {
            var ours = Cli.Run(args);
            Assert.True(ours.ExitCode == 0, ours.Stderr);
            AssertNoStackTrace(ours);
            Assert.Equal(Blocks(DiffTestRepository.ResticOutput(restic.RunChecked(args))), Blocks(ours.Stdout));
        }

        static List<string> JsonBySnapshot(string output) =>
            JsonDocument.Parse(output).RootElement.EnumerateArray().Select(e => e.GetRawText()).Order(StringComparer.Ordinal).ToList();
        string[] json = ["find", "--json", "*.txt", "empty"];
        Assert.Equal(JsonBySnapshot(restic.RunChecked(json).Stdout), JsonBySnapshot(Cli.RunChecked(json).Stdout));
    }
}
