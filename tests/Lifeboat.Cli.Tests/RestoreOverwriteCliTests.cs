using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>restore's restic 0.17 flags end to end: --overwrite, --delete, --dry-run counts, pattern files, JSON summary and errors.</summary>
public class RestoreOverwriteCliTests : CliTestBase
{
    private static JsonElement Summary(ProcessResult r) =>
        r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("message_type").GetString() == "summary");

    private static long Count(JsonElement summary, string name) => summary.TryGetProperty(name, out var v) ? v.GetInt64() : 0;

    private string Restored(string target, string relative) => target + Source + "/" + relative;

    [Fact]
    public void Delete_RemovesExtraFiles_AndTheSummaryCountsThem_AsResticDoes()
    {
        WriteFile("a.txt", "alpha");
        WriteFile("sub/b.txt", "bravo");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var target = Temp.Combine("t");
        Cli.RunChecked("restore", "latest", "--target", target);
        File.WriteAllText(Restored(target, "extra.txt"), "not in the snapshot");
        Directory.CreateDirectory(Restored(target, "sub/extra-dir"));
        File.WriteAllText(Restored(target, "sub/extra-dir/x"), "x");

        var dry = Summary(Cli.RunChecked("restore", "latest", "--target", target, "--delete", "--dry-run", "--json"));
        Assert.Equal(2, Count(dry, "files_deleted"));
        Assert.True(File.Exists(Restored(target, "extra.txt")));

        var real = Summary(Cli.RunChecked("restore", "latest", "--target", target, "--delete", "--json"));
        Assert.Equal(2, Count(real, "files_deleted"));
        // both files were there already with the snapshot's content: skipped, as restic 0.17 counts them
        Assert.Equal(2, Count(real, "files_skipped"));
        Assert.Equal(10, Count(real, "bytes_skipped"));
        Assert.False(File.Exists(Restored(target, "extra.txt")));
        Assert.False(Directory.Exists(Restored(target, "sub/extra-dir")));
        TreeComparer.AssertSame(Source, target + Source);
    }

    [Fact]
    public void OverwriteNever_KeepsChangedFiles_Always_RestoresThem_TextSummarySaysSo()
    {
        WriteFile("a.txt", "alpha");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var target = Temp.Combine("t");
        Cli.RunChecked("restore", "latest", "--target", target);
        File.WriteAllText(Restored(target, "a.txt"), "mine");

        var never = Cli.RunChecked("restore", "latest", "--target", target, "--overwrite", "never");
        Assert.Equal("mine", File.ReadAllText(Restored(target, "a.txt")));
        Assert.Matches(@"Summary: Restored \d+ files/dirs \(.*\) in \d+:\d\d, skipped 1 files/dirs 5 B", never.Stdout);

        Cli.RunChecked("restore", "latest", "--target", target, "--overwrite", "always");
        Assert.Equal("alpha", File.ReadAllText(Restored(target, "a.txt")));

        var bad = Cli.Run("restore", "latest", "--target", target, "--overwrite", "sometimes");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("must be one of (always|if-changed|if-newer|never)", bad.Stderr);
    }

    [Fact]
    public void ExcludeFile_AndIncludeFile_SelectAsTheirFlagsDo()
    {
        WriteFile("keep/one.txt", "1");
        WriteFile("keep/two.log", "2");
        WriteFile("drop/three.txt", "3");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var excludes = Temp.Combine("excludes");
        File.WriteAllText(excludes, "# logs are noise\n\n*.log\n");
        var exc = Temp.Combine("exc");
        Cli.RunChecked("restore", "latest", "--target", exc, "--exclude-file", excludes);
        Assert.True(File.Exists(Restored(exc, "drop/three.txt")));
        Assert.False(File.Exists(Restored(exc, "keep/two.log")));

        var includes = Temp.Combine("includes");
        File.WriteAllText(includes, "KEEP\n");
        var inc = Temp.Combine("inc");
        Cli.RunChecked("restore", "latest", "--target", inc, "--iinclude-file", includes);
        Assert.True(File.Exists(Restored(inc, "keep/one.txt")));
        Assert.False(Directory.Exists(Restored(inc, "drop")));

        var both = Cli.Run("restore", "latest", "--target", inc, "--exclude-file", excludes, "--include", "keep");
        Assert.Contains("exclude and include patterns are mutually exclusive", both.Stderr);
    }

    [Fact]
    public void JsonErrors_GoToStderr_AsResticsErrorMessages()
    {
        WriteFile("dir/a.txt", "alpha");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var target = Temp.Combine("t");
        // a non-empty directory where the snapshot has a file: restore cannot replace it without --delete
        Directory.CreateDirectory(Restored(target, "dir/a.txt/inner"));

        var r = Cli.Run("restore", "latest", "--target", target, "--json");

        Assert.NotEqual(0, r.ExitCode);
        var error = r.Stderr.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("message_type").GetString() == "error");
        Assert.Equal("restore", error.GetProperty("during").GetString());
        Assert.EndsWith("dir/a.txt", error.GetProperty("item").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error").GetProperty("message").GetString()));
        Assert.DoesNotContain("\"message_type\":\"error\"", r.Stdout);

        Cli.RunChecked("restore", "latest", "--target", target, "--delete");
        Assert.Equal("alpha", File.ReadAllText(Restored(target, "dir/a.txt")));
    }
}
