using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>restic 0.17's key add/passwd --new-insecure-no-password: a key with an empty password, opened with --insecure-no-password.</summary>
public class KeyInsecureNoPasswordTests : CliTestBase
{
    [Fact]
    public void KeyAdd_AddsAnEmptyPasswordKey_ThatOpensWithInsecureNoPassword_WhileResticKeepsTheOtherKey()
    {
        Cli.RunChecked("init");
        var add = Cli.Run("key", "add", "--new-insecure-no-password");
        Assert.True(add.ExitCode == 0, add.Stderr);
        Assert.Contains("saved new key", add.Stdout);

        var noPassword = new LifeboatCli(Repo);
        Assert.Equal(0, noPassword.Run("snapshots", "--insecure-no-password").ExitCode);
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, restic.Run("snapshots").ExitCode);
        // restic 0.14 refuses an empty password outright: such a key is for restic 0.17+ and lifeboat only
        using var resticEmpty = new Restic(Repo, "");
        var refused = resticEmpty.Run(["snapshots"], stdin: "");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("an empty password is not a password", refused.Stderr);

        var both = Cli.Run("key", "add", "--new-insecure-no-password", "--new-password-file", Temp.Combine("unused"));
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("only either --new-password-file or --new-insecure-no-password may be specified", both.Stderr);
    }

    [Fact]
    public void KeyPasswd_ToAnEmptyPassword_ReplacesTheOldKey()
    {
        Cli.RunChecked("init");
        var passwd = Cli.Run("key", "passwd", "--new-insecure-no-password");
        Assert.True(passwd.ExitCode == 0, passwd.Stderr);

        Assert.Equal(12, Cli.Run("snapshots").ExitCode);
        Assert.Equal(0, new LifeboatCli(Repo).Run("snapshots", "--insecure-no-password").ExitCode);
    }
}
