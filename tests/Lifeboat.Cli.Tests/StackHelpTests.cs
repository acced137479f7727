using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>--help shows stack mode: how it is chosen, each command's stack form with an example, and options' stack meaning.</summary>
public sealed class StackHelpTests
{
    [Fact]
    public void Root_help_says_how_stack_mode_is_chosen()
    {
        var help = new LifeboatCli().Run("--help").Stdout;
        Assert.Contains("Stack mode: with a lifeboat.yaml (--config FILE, $LIFEBOAT_CONFIG, or ./lifeboat.yaml) and no repository given", help);
    }

    [Theory]
    [InlineData("restore", "restore APP [--snapshot ID|--at TIME] [--path P]... [--target DIR]", "lifeboat restore sonarr --at yesterday --path")]
    [InlineData("backup", "backup [APP...] makes one snapshot per app", "lifeboat backup sonarr radarr --notify")]
    [InlineData("snapshots", "snapshots [APP...] lists each app's history", "lifeboat snapshots sonarr")]
    [InlineData("forget", "forget [APP...] applies each app's retention", "lifeboat forget plex --keep-last 3 --prune")]
    public void Each_command_shows_its_stack_form_and_an_example(string command, string form, string example)
    {
        var help = new LifeboatCli().Run(command, "--help").Stdout;
        Assert.Contains("With a lifeboat.yaml (stack mode, no -r): " + form, help.ReplaceLineEndings(" ").Replace("  ", " "));
        Assert.Contains(example, help);
    }

    [Fact]
    public void Restore_says_what_path_and_target_mean_in_stack_mode()
    {
        var help = new LifeboatCli().Run("restore", "--help").Stdout;
        Assert.Contains("<snapshotID[:subfolder]|APP>", help);
        Assert.Contains("with a lifeboat.yaml: restore only this path of the app", help);
        Assert.Contains("with a lifeboat.yaml: restore there (DIR/<original path>) instead of in place", help);
    }
}
