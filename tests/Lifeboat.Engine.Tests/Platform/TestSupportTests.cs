using Lifeboat.Engine.Platform;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Platform;

public sealed class TestSupportTests
{
    [Fact]
    public void ProcessRunnerPassesArgvStdinAndEnvironment()
    {
        var result = ProcessRunner.Run("sh", ["-c", "printf '%s|' \"$1\" \"$LIFEBOAT_X\"; cat; echo err >&2; exit 3", "sh", "a b \"c\""],
            new Dictionary<string, string?> { ["LIFEBOAT_X"] = "x y", ["HOME"] = null }, stdin: "from stdin", timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("a b \"c\"|x y|from stdin", result.Stdout);
        Assert.Equal("err\n", result.Stderr);
    }

    [Fact]
    public void ProcessRunnerTimesOut()
    {
        Assert.Throws<TimeoutException>(() => ProcessRunner.Run("sleep", ["30"], timeout: TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public void FixturesFindTheSharedFolder()
    {
        string manifest = Fixtures.Path("reference/fixtures/README.md");
        if (!File.Exists(manifest)) Assert.Skip($"no shared reference folder at {Fixtures.SharedRoot}");
        Assert.True(File.Exists(Path.Combine(Fixtures.RepositoryRoot, "Lifeboat.slnx")));
    }

    [Fact]
    public void ExtractTarGzKeepsLinksModesAndTimes()
    {
        using var temp = new TempDirectory();
        string source = temp.Combine("source");
        EdgeCaseTree.Create(source, includeLargeFiles: false);
        string archive = temp.Combine("tree.tar.gz");
        var tar = ProcessRunner.Run("tar", ["--xattrs", "--xattrs-include=user.*", "-czf", archive, "-C", source, "."]);
        Assert.Equal(0, tar.ExitCode);
        string target = temp.Combine("target");
        Fixtures.ExtractTarGz(archive, target);
        // GNU tar restores symlink mtimes and hard links; xattrs only with --xattrs, which ExtractTarGz does not ask for.
        Assert.Empty(TreeComparer.Compare(source, target, new TreeCompareOptions { CompareXattrs = false }));
    }

    [Fact]
    public void ResticBacksUpAndRestoresASmallTree()
    {
        if (!Restic.IsAvailable) Assert.Skip($"no restic at {Restic.Binary}");
        using var temp = new TempDirectory();
        string data = temp.Combine("data");
        Posix.MakeDirectories(data + "/sub", 0x1ED);
        using (var handle = Posix.OpenWrite(data + "/sub/file.txt", 0x1A4)) RandomAccess.Write(handle, "restic"u8, 0);
        const string password = "correct horse battery staple";
        using var restic = new Restic(temp.Combine("repo"), password);
        Assert.Contains("created restic repository", restic.Init().Stdout);
        var backup = restic.Backup(data);
        Assert.Contains("\"message_type\":\"summary\"", backup.Stdout);
        string restored = temp.Combine("restored");
        restic.Restore("latest", restored);
        Assert.Empty(TreeComparer.Compare(data, restored + data, new TreeCompareOptions()));
        var wrong = new Restic(temp.Combine("repo"), "wrong", useCache: false);
        var failed = wrong.Run("snapshots");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.DoesNotContain(password, failed.Stdout + failed.Stderr);
    }
}
