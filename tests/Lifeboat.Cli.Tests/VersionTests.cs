using System.Text.Json;
using System.Text.RegularExpressions;

namespace Lifeboat.Cli.Tests;

/// <summary>One version number everywhere: <c>version</c>, <c>version --json</c> and <c>--version</c> agree.</summary>
public sealed partial class VersionTests : CliTestBase
{
    [GeneratedRegex(@"^lifeboat (\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?) \(restic repository format 1 and 2\) compiled with \.NET")]
    private static partial Regex VersionLine();

    [Fact]
    public void VersionCommandJsonAndFlagPrintTheSameVersion()
    {
        var line = Cli.RunChecked("version").Stdout.Trim();
        var match = VersionLine().Match(line);
        Assert.True(match.Success, line);
        string version = match.Groups[1].Value;

        var json = JsonDocument.Parse(Cli.RunChecked("version", "--json").Stdout).RootElement;
        Assert.Equal(version, json.GetProperty("version").GetString());
        Assert.Equal(version, Cli.RunChecked("--version").Stdout.Trim());
    }
}
