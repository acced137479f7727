using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

public class KeyTests : CliTestBase
{
    private const string NewPassword = "a new password";

    // New keys get calibrated scrypt parameters, as restic's do (about half a second each): these tests add three keys in all.
    private LifeboatCli CliWith(string password) => new(Repo, password);

    private string PasswordFile(string password)
    {
        var path = Temp.Combine("pw-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, password + "\n");
        return path;
    }

    [Fact]
    public void KeyAdd_NewPasswordOpensForBothTools_AndRemoveRefusesTheKeyInUse()
    {
        using var restic = new Restic(Repo, Password);
        restic.Init();
        var add = CliWith(Password).With("RESTIC_PASSWORD_FILE", null).Run("key", "add", "--new-password-file", PasswordFile(NewPassword), "--user", "ann", "--host", "box");
        Assert.True(add.ExitCode == 0, add.Stderr);
        Assert.Contains("saved new key", add.Stdout);
        AssertNoStackTrace(add);
        Assert.DoesNotContain(NewPassword, add.Stdout + add.Stderr);

        using var resticNew = new Restic(Repo, NewPassword);
        Assert.Equal(0, resticNew.Run("snapshots").ExitCode);
        Assert.Equal(0, CliWith(NewPassword).Run("snapshots").ExitCode);

        var keys = JsonDocument.Parse(CliWith(NewPassword).RunChecked("key", "list", "--json").Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, keys.Count);
        var current = Assert.Single(keys, k => k.GetProperty("current").GetBoolean());
        Assert.Equal("ann", current.GetProperty("userName").GetString());
        Assert.Equal("box", current.GetProperty("hostName").GetString());
        // restic lists the same keys
        var resticKeys = JsonDocument.Parse(resticNew.RunChecked("key", "list", "--json").Stdout).RootElement.EnumerateArray()
            .Select(k => (k.GetProperty("id").GetString(), k.GetProperty("current").GetBoolean(), k.GetProperty("userName").GetString())).Order().ToList();
        Assert.Equal(resticKeys, keys.Select(k => (k.GetProperty("id").GetString(), k.GetProperty("current").GetBoolean(), k.GetProperty("userName").GetString())).Order().ToList());
        var table = CliWith(NewPassword).RunChecked("key", "list").Stdout;
        Assert.Contains("*" + current.GetProperty("id").GetString(), table);

        var refused = CliWith(NewPassword).Run("key", "remove", current.GetProperty("id").GetString()!);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("refusing to remove key currently used to access repository", refused.Stderr);
        AssertNoStackTrace(refused);

        // the old password removes the new key; then the new password no longer opens the repository
        var removed = CliWith(Password).Run("key", "remove", current.GetProperty("id").GetString()!);
        Assert.True(removed.ExitCode == 0, removed.Stderr);
        Assert.NotEqual(0, resticNew.Run("snapshots").ExitCode);
        Assert.Equal(12, CliWith(NewPassword).Run("snapshots").ExitCode);

        Assert.Equal(1, CliWith(Password).Run("key", "remove", "ffffffffff").ExitCode);
    }

    [Fact]
    public void KeyPasswd_ReplacesThePassword()
    {
        using var restic = new Restic(Repo, Password);
        restic.Init();
        var r = CliWith(Password).Run("key", "passwd", "--new-password-file", PasswordFile(NewPassword));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.NotEqual(0, restic.Run("snapshots").ExitCode);
        using var resticNew = new Restic(Repo, NewPassword);
        Assert.Equal(0, resticNew.Run("check").ExitCode);
        Assert.Equal(12, CliWith(Password).Run("snapshots").ExitCode);
        Assert.Single(JsonDocument.Parse(CliWith(NewPassword).RunChecked("key", "list", "--json").Stdout).RootElement.EnumerateArray());

        // a new password may also come on stdin (not from the environment)
        var viaStdin = CliWith(NewPassword).Run(["key", "add"], stdin: "third password\n");
        Assert.True(viaStdin.ExitCode == 0, viaStdin.Stderr);
        using var resticThird = new Restic(Repo, "third password");
        Assert.Equal(0, resticThird.Run("snapshots").ExitCode);
    }
}
