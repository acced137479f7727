using Lifeboat.TestSupport;

namespace Lifeboat.Fuzz.Tests.HostileIndexes;

/// <summary>
/// The real `lifeboat` against an index that lies about its blobs' lengths and offsets (<see cref="LyingIndexRepository"/>),
/// with the garbage collector's heap capped at 128 MiB: each command ends by itself with restic's exit code, names every
/// file it could not restore, still restores the good file, and never allocates for a length the index merely claims
/// (under the cap, a 4 GiB buffer would end in an out-of-memory crash).
/// </summary>
public sealed class LyingIndexCliTests(LyingIndexRepository repository) : IClassFixture<LyingIndexRepository>
{
    private readonly LifeboatCli _cli = new LifeboatCli(repository.Path, LyingIndexRepository.Password).With("DOTNET_GCHeapHardLimit", "0x8000000");

    private static void EndedClearly(ProcessResult r, int exitCode)
    {
        Assert.True(r.ExitCode == exitCode, $"exit {r.ExitCode}, want {exitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
        Assert.DoesNotContain("please report it", r.Stderr); // a bug's one line: "unexpected <exception>: ..."
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("OutOfMemory", r.Stderr);
    }

    [Fact]
    public void Restore_NamesEveryFileTheIndexLiesAbout_AndRestoresTheGoodOne()
    {
        var target = Path.Combine(repository.Work, "restore-" + Guid.NewGuid().ToString("n")[..8]);
        var r = _cli.Run("restore", "latest", "--target", target);
        EndedClearly(r, 1);
        Assert.Equal(LyingIndexRepository.Payload, File.ReadAllBytes(Path.Combine(target, "good.txt")));
        foreach (var name in LyingIndexRepository.Lies.Keys)
        {
            Assert.True(r.Stderr.Contains("/" + name), $"{name} was not named:\n{r.Stderr}");
            // nothing was sized from the claim: a file that failed is absent or no longer than its node says
            var path = Path.Combine(target, name);
            if (File.Exists(path)) Assert.True(new FileInfo(path).Length <= LyingIndexRepository.Payload.Length, $"{name}: {new FileInfo(path).Length} bytes");
        }
        Assert.Contains("run repair index", r.Stderr);
    }

    [Theory]
    [InlineData("too-short")]
    [InlineData("four-gib-stored")]
    [InlineData("four-gib-plaintext")]
    [InlineData("twenty-mib-past-the-end")]
    [InlineData("past-the-end")]
    public void Dump_OfAFileTheIndexLiesAbout_EndsInOneLine(string name)
    {
        var r = _cli.Run("dump", "latest", "/" + name);
        EndedClearly(r, 1);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(r.StdoutBytes.Length <= LyingIndexRepository.Payload.Length);
    }

    [Fact]
    public void Check_ReportsTheLyingEntries()
    {
        var r = _cli.Run("check", "--read-data");
        EndedClearly(r, 1);
        var output = r.Stdout + r.Stderr;
        Assert.Contains("is not in the pack header", output);
        Assert.Equal(LyingIndexRepository.Payload, _cli.RunChecked("dump", "latest", "/good.txt").StdoutBytes);
    }
}
