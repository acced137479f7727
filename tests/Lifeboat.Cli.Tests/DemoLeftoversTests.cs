using System.Text.RegularExpressions;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat demo` without --dir: it says where it works, and leaves nothing behind unless --keep.</summary>
public sealed class DemoLeftoversTests : IDisposable
{
    private readonly TempDirectory _tmp = new("lifeboat-demo-tmpdir");

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void The_demo_removes_its_tmp_folder_at_the_end_and_says_so()
    {
        // TMPDIR: where .NET's temp path, and so the demo's default folder, is
        var r = new LifeboatCli().With("TMPDIR", _tmp.Path + "/").Run("demo");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        var first = Regex.Match(lines[0], $@"^Lifeboat demo in ({Regex.Escape(_tmp.Path)}/lifeboat-demo-\d{{8}}-\d{{6}}) \(removed at the end; lifeboat demo --keep keeps it\)$");
        Assert.True(first.Success, lines[0]);
        var root = first.Groups[1].Value;
        Assert.Equal($"Removed {root} (lifeboat demo --keep keeps it, to try the steps yourself or read the repository with stock restic).", lines[^1]);
        Assert.DoesNotContain("Try any step yourself", r.Stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_tmp.Path));
    }
}
