using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>copy in batches (restic 0.19): eight small snapshots land in one data pack and one tree pack, which restic 0.14 checks and restores.</summary>
public sealed class CopyBatchCliTests : CliTestBase
{
    [Fact]
    public void Copy_OfManySmallSnapshots_SharesPacks_AndResticChecksAndRestoresThem()
    {
        var sourceRepo = Temp.Combine("source-repo");
        var source = new LifeboatCli(sourceRepo, Password);
        source.RunChecked("init");
        for (int i = 0; i < 8; i++)
        {
            WriteFile($"f{i}.txt", $"content {i}");
            source.RunChecked("backup", Source);
        }
        Assert.Equal(16, Directory.EnumerateFiles(Path.Combine(sourceRepo, "data"), "*", SearchOption.AllDirectories).Count());

        Cli.RunChecked("init", "--from-repo", sourceRepo, "--from-password-file", PasswordFile(), "--copy-chunker-params");
        var r = Cli.RunChecked("copy", "--from-repo", sourceRepo, "--from-password-file", PasswordFile());
        Assert.Equal(8, r.Stdout.Split('\n').Count(l => l.StartsWith("snapshot ", StringComparison.Ordinal) && l.EndsWith(" saved", StringComparison.Ordinal)));
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(Repo, "data"), "*", SearchOption.AllDirectories).Count());

        using var restic = new Restic(Repo, Password);
        var check = restic.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Equal(8, JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout).RootElement.GetArrayLength());
        var target = Temp.Combine("restored");
        restic.Restore("latest", target);
        TreeComparer.AssertSame(Source, target + Source);
    }

    private string PasswordFile()
    {
        var path = Temp.Combine("source-pw");
        File.WriteAllText(path, Password + "\n");
        return path;
    }
}
