using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// init --copy-chunker-params --from-repo (restic 0.14): the new repository splits files as the other one does, so
/// that a copy between them deduplicates, as restic's "Ensuring deduplication for copied snapshots" describes.
/// </summary>
public sealed class InitCopyChunkerParamsTests : CliTestBase
{
    private const string SourcePassword = "source secret";

    private static HashSet<string> DataBlobs(Restic restic) =>
        restic.RunChecked("list", "blobs").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("data ", StringComparison.Ordinal)).Select(l => l[5..]).ToHashSet();

    private static string Polynomial(string repo, string password) =>
        JsonDocument.Parse(new Restic(repo, password).RunChecked("cat", "config").Stdout).RootElement.GetProperty("chunker_polynomial").GetString()!;

    [Fact]
    public void ARepositoryWithCopiedChunkerParams_SplitsAsTheSource_AndACopyAddsNoData()
    {
        // 24 MiB: about 16 chunks (512 KiB at least, then a cut after 1 MiB on average), so more than 3 whatever the
        // source's random polynomial; 6 MiB (about 4 expected) gave 3 in one CI run
        var random = new byte[24 << 20];
        new Random(7).NextBytes(random);
        File.WriteAllBytes(Path.Combine(Source, "big.bin"), random);
        var sourceRepo = Temp.Combine("source-repo");
        using var source = new Restic(sourceRepo, SourcePassword);
        source.Init();
        source.Backup(Source);
        var passwordFile = Temp.Combine("source-pw");
        File.WriteAllText(passwordFile, SourcePassword + "\n");

        var init = Cli.Run("init", "--copy-chunker-params", "--from-repo", sourceRepo, "--from-password-file", passwordFile);
        Assert.True(init.ExitCode == 0, init.Stderr);
        AssertNoStackTrace(init);

        Assert.Equal(Polynomial(sourceRepo, SourcePassword), Polynomial(Repo, Password));
        Cli.RunChecked("backup", Source);
        using var destination = new Restic(Repo, Password);
        var before = DataBlobs(destination);
        Assert.True(before.Count > 3, $"{before.Count} chunks");
        Assert.Equal(DataBlobs(source), before);
        var copy = Cli.Run("copy", "--from-repo", sourceRepo, "--from-password-file", passwordFile);
        Assert.True(copy.ExitCode == 0, copy.Stderr);
        Assert.DoesNotContain("different chunker parameters", copy.Stderr);
        Assert.Equal(before, DataBlobs(destination));
        Assert.Equal(0, destination.Run("check", "--read-data").ExitCode);
    }

    [Fact]
    public void WithoutCopyChunkerParams_ASecondaryRepository_IsRefused_AndAPlainInitGetsItsOwnPolynomial()
    {
        var sourceRepo = Temp.Combine("source-repo");
        new Restic(sourceRepo, SourcePassword).Init();

        var refused = Cli.Run("init", "--from-repo", sourceRepo);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Secondary repository must only be specified when copying the chunker parameters", refused.Stderr);
        AssertNoStackTrace(refused);

        Cli.RunChecked("init");
        Assert.NotEqual(Polynomial(sourceRepo, SourcePassword), Polynomial(Repo, Password));
    }
}
