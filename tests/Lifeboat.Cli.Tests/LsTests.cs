using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>`ls` with directories against restic 0.14: the directory itself is listed first, as restic lists it.</summary>
public class LsTests : CliTestBase
{
    /// <summary>restic's stdout without its header line ("snapshot 1a2b3c4d of [...] filtered by [...] at ...):"), which Lifeboat writes to stderr.</summary>
    private static string Listed(ProcessResult r) =>
        string.Join('\n', r.Stdout.Split('\n').Where(l => !l.StartsWith("snapshot ", StringComparison.Ordinal)));

    [Fact]
    public void Ls_OfDirectoriesAndFiles_MatchesResticInTextAndJson()
    {
        WriteFile("a/b/f.txt", "f");
        WriteFile("a/b/c/g.txt", "g");
        WriteFile("a/top.txt", "top");
        using var restic = new Restic(Repo, Password);
        restic.Init();
        restic.Backup(Source, "--tag", "t1");
        var dir = Source + "/a/b";
        string[][] forms =
        [
            [dir], [dir + "/"], [dir + "/f.txt"], [dir, Source + "/a"], ["--recursive", dir], ["--long", dir], ["/"],
        ];
        foreach (var form in forms)
        {
            foreach (var json in new[] { false, true })
            {
                string[] args = ["ls", .. json ? ["--json"] : Array.Empty<string>(), "latest", .. form];
                var ours = Cli.Run(args);
                Assert.True(ours.ExitCode == 0, ours.Stderr);
                AssertNoStackTrace(ours);
                var theirs = restic.RunChecked(args);
                // restic 0.17+ adds inode and message_type to each node: taken out to compare with 0.14's lines
                var comparable = json ? System.Text.RegularExpressions.Regex.Replace(ours.Stdout, ",\"inode\":\\d+|,\"message_type\":\"node\"", "") : ours.Stdout;
                Assert.Equal(json ? theirs.Stdout : Listed(theirs), comparable);
                if (json) Assert.Contains(",\"inode\":", ours.Stdout);
            }
        }
        // the user's view: the directory first, then what is in it
        Assert.Equal($"{dir}\n{dir}/c\n{dir}/f.txt\n", Cli.RunChecked("ls", "latest", dir).Stdout);
    }
}
