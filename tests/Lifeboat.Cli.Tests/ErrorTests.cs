using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>What a user can get wrong ends in one clear line and restic's exit code, never a stack trace.</summary>
public class ErrorTests : CliTestBase
{
    [Fact]
    public void WrongPasswordExits12()
    {
        Cli.RunChecked("init");
        var r = new LifeboatCli(Repo, "not the password").Run("snapshots");
        Assert.Equal(12, r.ExitCode);
        Assert.Contains("wrong password", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void AStuckRequestTimeoutThatIsNoDurationIsOneLine()
    {
        Cli.RunChecked("init");
        var r = Cli.Run("--stuck-request-timeout", "soon", "snapshots");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("Fatal: invalid argument \"soon\" for \"--stuck-request-timeout\" flag: time: invalid duration \"soon\"", r.Stderr.Trim());
        Assert.Equal(0, Cli.Run("--stuck-request-timeout", "90s", "snapshots").ExitCode);
    }

    [Fact]
    public void NoRepositoryExits10()
    {
        var r = Cli.Run("snapshots");
        Assert.Equal(10, r.ExitCode);
        Assert.Contains(Repo, r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void InitTwiceFailsAndKeepsTheRepository()
    {
        Cli.RunChecked("init");
        var r = Cli.Run("init");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("already exists", r.Stderr);
        Cli.RunChecked("snapshots");
    }

    [Fact]
    public void MissingSourceIsFatalAndPartlyMissingIsExit3()
    {
        WriteFile("a.txt", "a");
        Cli.RunChecked("init");
        var r = Cli.Run("backup", Temp.Combine("does-not-exist"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("do not exist", r.Stderr);
        AssertNoStackTrace(r);

        var partial = Cli.Run("backup", Source, Temp.Combine("also-missing"));
        Assert.Equal(3, partial.ExitCode);
        Assert.Contains("also-missing", partial.Stderr);
        Assert.Contains("snapshot", partial.Stdout);
        Assert.Single(Cli.RunChecked("list", "snapshots").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void UnreadableFileIsSkippedWithExit3()
    {
        WriteFile("ok.txt", "fine");
        WriteFile("secret.txt", "cannot read me");
        Cli.RunChecked("init");
        // root reads anything; a file that vanishes mid-walk is not portable to set up, so run lifeboat as nobody
        ProcessRunner.Run("chmod", ["-R", "a+rwX", Temp.Path]);
        ProcessRunner.Run("chmod", ["000", Path.Combine(Source, "secret.txt")]);
        var asNobody = ProcessRunner.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", LifeboatCli.Binary, "-r", Repo, "backup", Source],
            new Dictionary<string, string?> { ["RESTIC_PASSWORD"] = Password, ["HOME"] = Temp.Path, ["DOTNET_CLI_HOME"] = Temp.Path });
        if (asNobody.Stderr.Contains("setpriv:")) Assert.Skip("setpriv is not usable here: " + asNobody.Stderr);
        Assert.Equal(3, asNobody.ExitCode);
        Assert.Contains("secret.txt", asNobody.Stderr);
        Assert.Contains("permission denied", asNobody.Stderr);
        var listed = Cli.RunChecked("ls", "latest").Stdout;
        Assert.Contains("ok.txt", listed);
        Assert.DoesNotContain("secret.txt", listed);
    }

    [Fact]
    public async Task ExclusiveLockMakesBackupExit11()
    {
        WriteFile("a.txt", "a");
        Cli.RunChecked("init");
        using var backend = new LocalBackend(Repo);
        await using var repo = await Repository.OpenAsync(backend, Password, new RepositoryOptions(), TestContext.Current.CancellationToken);
        await using (await RepositoryLock.AcquireAsync(repo, exclusive: true, TestContext.Current.CancellationToken))
        {
            var r = Cli.Run("backup", Source);
            Assert.Equal(11, r.ExitCode);
            Assert.Contains("locked", r.Stderr);
            AssertNoStackTrace(r);
            // restic honours the same lock
            using var restic = new Restic(Repo, Password);
            var rr = restic.Run("backup", Source);
            Assert.NotEqual(0, rr.ExitCode);
            Assert.Contains("locked", rr.Stderr);
        }
        Cli.RunChecked("backup", Source);
    }

    [Fact]
    public void DamagedPackMakesRestoreFailNamingIt()
    {
        WriteFile("big.bin", new string('q', 3000) + string.Concat(Enumerable.Range(0, 5000).Select(i => i.ToString())));
        Cli.RunChecked("init", "--repository-version", "1");
        Cli.RunChecked("backup", Source);
        var pack = Directory.GetFiles(Path.Combine(Repo, "data"), "*", SearchOption.AllDirectories)
            .Select(p => new FileInfo(p)).OrderByDescending(f => f.Length).First();
        File.SetUnixFileMode(pack.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var bytes = File.ReadAllBytes(pack.FullName);
        bytes[20] ^= 0xff;
        File.WriteAllBytes(pack.FullName, bytes);
        var target = Temp.Combine("restored");
        var r = Cli.Run("restore", "latest", "--target", target);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(pack.Name, r.Stderr);
        Assert.Contains("big.bin", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void PasswordSourcesFollowResticWithLifeboatVariablesWinning()
    {
        Cli.RunChecked("init");
        var file = Temp.Combine("pw");
        File.WriteAllText(file, Password + "\n");
        Assert.Equal(0, new LifeboatCli(Repo).Run("snapshots", "--password-file", file).ExitCode);
        Assert.Equal(0, new LifeboatCli(Repo).With("RESTIC_PASSWORD_FILE", file).Run("snapshots").ExitCode);
        Assert.Equal(0, new LifeboatCli(Repo).Run("snapshots", "--password-command", $"cat {file}").ExitCode);
        Assert.Equal(0, new LifeboatCli(Repo, "wrong").With("LIFEBOAT_PASSWORD", Password).Run("snapshots").ExitCode);
        Assert.Equal(0, new LifeboatCli().With("LIFEBOAT_REPOSITORY", Repo).With("RESTIC_PASSWORD", Password).Run("snapshots").ExitCode);
        var none = new LifeboatCli(Repo).Run(["snapshots"], stdin: "");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("password", none.Stderr);
    }

    [Fact]
    public void UnknownFlagIsAUsageErrorWithoutStackTrace()
    {
        var r = Cli.Run("backup", "--no-such-flag");
        Assert.NotEqual(0, r.ExitCode);
        AssertNoStackTrace(r);
    }
}
