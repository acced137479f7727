using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>restic 0.17: with --json a fatal error is one exit_error line on stderr, with restic's exit code.</summary>
public class JsonExitErrorTests : CliTestBase
{
    [Fact]
    public void AWrongPassword_WithJson_IsOneExitErrorLine_WithCode12()
    {
        Cli.RunChecked("init");

        var r = new LifeboatCli(Repo, "not the password").Run("snapshots", "--json");

        Assert.Equal(12, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var line = JsonDocument.Parse(Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal("exit_error", line.GetProperty("message_type").GetString());
        Assert.Equal(12, line.GetProperty("code").GetInt32());
        Assert.StartsWith("Fatal: wrong password", line.GetProperty("message").GetString());
    }

    [Fact]
    public void NoRepository_WithJson_HasCode10_AndWithoutJsonStaysText()
    {
        var missing = new LifeboatCli(Temp.Combine("nothing-here"), Password);

        var json = missing.Run("snapshots", "--json");
        var text = missing.Run("snapshots");

        Assert.Equal(10, json.ExitCode);
        var line = JsonDocument.Parse(Assert.Single(json.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal(10, line.GetProperty("code").GetInt32());
        Assert.Equal(10, text.ExitCode);
        Assert.StartsWith("Fatal: ", text.Stderr);
    }
}
