using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>A restic repository with two snapshots of a tree: one file added, one removed, one modified, a mode change, a hard link and duplicates.</summary>
internal static class DiffTestRepository
{
    public static (string First, string Second) Create(IDiffTestSource t, Restic restic)
    {
        restic.Init();
        t.Write("keep.txt", "unchanged");
        t.Write("gone.txt", "to be removed");
        t.Write("docs/Readme.TXT", "version 1");
        t.Write("docs/copy1.bin", new string('d', 5000));
        t.Write("docs/copy2.bin", new string('d', 5000));
        t.Write("empty", "");
        Lifeboat.Engine.Platform.Posix.Link(Path.Combine(t.Source, "keep.txt"), Path.Combine(t.Source, "hard.txt"));
        var first = SnapshotId(restic.Backup(t.Source));
        File.Delete(Path.Combine(t.Source, "gone.txt"));
        t.Write("docs/Readme.TXT", "version 2, longer");
        t.Write("new/added.txt", "fresh");
        File.SetUnixFileMode(Path.Combine(t.Source, "keep.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var second = SnapshotId(restic.Backup(t.Source));
        return (first, second);
    }

    private static string SnapshotId(ProcessResult backup) =>
        backup.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Last(e => e.GetProperty("message_type").GetString() == "summary").GetProperty("snapshot_id").GetString()!;

    /// <summary>restic's output without the lines that only restic prints (repository opened...).</summary>
    public static string ResticOutput(ProcessResult r) =>
        string.Join('\n', r.Stdout.Split('\n').Where(l => !l.StartsWith("repository ", StringComparison.Ordinal) && !l.StartsWith("created restic repository", StringComparison.Ordinal)));
}

/// <summary>Gives the shared helpers the test base's source directory.</summary>
public interface IDiffTestSource
{
    string Source { get; }
    void Write(string relative, string content);
}

public class DiffTests : CliTestBase, IDiffTestSource
{
    string IDiffTestSource.Source => Source;
    void IDiffTestSource.Write(string relative, string content) => WriteFile(relative, content);

    [Fact]
    public void Diff_MatchesResticLineForLine()
    {
        using var restic = new Restic(Repo, Password);
        var (first, second) = DiffTestRepository.Create(this, restic);
        foreach (var extra in new[] { Array.Empty<string>(), ["--metadata"], ["--json"] })
        {
            string[] args = ["diff", .. extra, first[..8], second];
            var ours = Cli.Run(args);
            Assert.True(ours.ExitCode == 0, ours.Stderr);
            AssertNoStackTrace(ours);
            Assert.Equal(DiffTestRepository.ResticOutput(restic.RunChecked(args)), ours.Stdout);
        }
        var text = Cli.RunChecked("diff", first, second).Stdout;
        Assert.Contains("+    " + Source + "/new/added.txt", text);
        Assert.Contains("-    " + Source + "/gone.txt", text);
        Assert.Contains("M    " + Source + "/docs/Readme.TXT", text);
    }
}
