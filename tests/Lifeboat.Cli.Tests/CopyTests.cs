using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

public class CopyTests : CliTestBase
{
    [Fact]
    public void Copy_FromResticRepository_ChecksAndRestoresByteExact_AndSkipsWhatWasCopied()
    {
        var sourceRepo = Temp.Combine("source-repo");
        const string sourcePassword = "source secret";
        using var sourceRestic = new Restic(sourceRepo, sourcePassword);
        sourceRestic.Init();
        WriteFile("a.txt", "alpha");
        WriteFile("dir/big.bin", string.Concat(Enumerable.Range(0, 40_000).Select(i => (char)('a' + i * 7919 % 26))));
        WriteFile("dir/empty", "");
        sourceRestic.Backup(Source);
        WriteFile("b.txt", "beta");
        sourceRestic.Backup(Source, "--tag", "second");

        Cli.RunChecked("init");
        var passwordFile = Temp.Combine("source-pw");
        File.WriteAllText(passwordFile, sourcePassword + "\n");
        var r = Cli.Run("copy", "--from-repo", sourceRepo, "--from-password-file", passwordFile);
        Assert.True(r.ExitCode == 0, r.Stderr);
        AssertNoStackTrace(r);
        Assert.DoesNotContain(sourcePassword, r.Stdout + r.Stderr);
        Assert.Contains("different chunker parameters", r.Stderr);

        using var restic = new Restic(Repo, Password);
        Interop(restic);
        var copied = JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, copied.Count);
        Assert.All(copied, s => Assert.True(s.TryGetProperty("original", out _)));
        var target = Temp.Combine("restored");
        var latest = copied.Single(s => s.TryGetProperty("tags", out _)).GetProperty("id").GetString()!;
        restic.Restore(latest, target);
        TreeComparer.AssertSame(Source, target + Source);

        // copying again adds nothing; restic agrees they are copies
        var again = new LifeboatCli(Repo, Password).With("RESTIC_FROM_REPOSITORY", sourceRepo).With("RESTIC_FROM_PASSWORD", sourcePassword).Run("copy");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.DoesNotContain("saved", again.Stdout);
        var resticCopy = restic.Run(["copy", "--from-repo", sourceRepo], extraEnv: new Dictionary<string, string?> { ["RESTIC_FROM_PASSWORD"] = sourcePassword });
        Assert.True(resticCopy.ExitCode == 0, resticCopy.Stderr);
        Assert.Equal(2, JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout).RootElement.GetArrayLength());

        var wrong = new LifeboatCli(Repo, Password).With("RESTIC_FROM_REPOSITORY", sourceRepo).With("RESTIC_FROM_PASSWORD", "nope").Run("copy");
        Assert.Equal(12, wrong.ExitCode);
        AssertNoStackTrace(wrong);
    }

    private static void Interop(Restic restic)
    {
        var check = restic.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, $"restic check failed:\n{check.Stdout}\n{check.Stderr}");
    }
}
