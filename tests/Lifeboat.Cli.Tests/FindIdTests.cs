using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>find --blob, --tree, --pack, --show-pack-id and -O/-N against restic 0.14 on the same repository.</summary>
public class FindIdTests : CliTestBase
{
    /// <summary>Two snapshots: a file with a repeated chunk, files with old mtimes, one file changed and one added in between.</summary>
    private (string First, string Second) CreateRepository(Restic restic)
    {
        restic.Init();
        WriteFile("keep.txt", "unchanged");
        WriteFile("docs/readme.txt", "version 1");
        WriteFile("docs/old.txt", "from 2019");
        File.SetLastWriteTimeUtc(Path.Combine(Source, "docs/old.txt"), new DateTime(2019, 6, 1, 12, 0, 0, DateTimeKind.Utc));
        File.SetLastWriteTimeUtc(Path.Combine(Source, "keep.txt"), new DateTime(2021, 3, 1, 8, 30, 0, DateTimeKind.Utc));
        // 20 MB of zeros: the chunker cuts at its maximum size, so the file's content lists the same blob twice
        File.WriteAllBytes(Path.Combine(Source, "zeros.bin"), new byte[20_000_000]);
        var first = Snapshot(restic);
        WriteFile("docs/readme.txt", "version 2, longer");
        WriteFile("new/added.txt", "fresh");
        var second = Snapshot(restic);
        return (first, second);
    }

    private string Snapshot(Restic restic) =>
        restic.Backup(Source).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Last(e => e.GetProperty("message_type").GetString() == "summary").GetProperty("snapshot_id").GetString()!;

    private static List<(string Type, string Id)> Blobs(Restic restic) =>
        restic.RunChecked("list", "blobs").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).Select(p => (p[0], p[1])).ToList();

    /// <summary>restic lists snapshots in no fixed order: a flat JSON array is compared element by element, sorted.</summary>
    private static List<string> SortedElements(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.GetRawText()).Order(StringComparer.Ordinal).ToList();

    /// <summary>Text output as its "Found ..." (or "Object ...", "Note: ...") blocks, sorted for the same reason.</summary>
    private static List<string> SortedBlocks(string text)
    {
        var blocks = new List<string>();
        foreach (var line in text.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("repository ", StringComparison.Ordinal)) continue;
            if (line.StartsWith(' ') && blocks.Count > 0) blocks[^1] += "\n" + line;
            else blocks.Add(line);
        }
        return blocks.Order(StringComparer.Ordinal).ToList();
    }

    private void AssertSameJson(Restic restic, params string[] args)
    {
        var ours = Cli.Run(args);
        Assert.True(ours.ExitCode == 0, ours.Stderr);
        AssertNoStackTrace(ours);
        var theirs = restic.RunChecked(args).Stdout;
        Assert.Equal(SortedElements(theirs), SortedElements(ours.Stdout));
    }

    private void AssertSameText(Restic restic, params string[] args)
    {
        var ours = Cli.Run(args);
        Assert.True(ours.ExitCode == 0, ours.Stderr);
        AssertNoStackTrace(ours);
        Assert.Equal(SortedBlocks(restic.RunChecked(args).Stdout), SortedBlocks(ours.Stdout));
    }

    [Fact]
    public void FindBlobTreeAndPack_MatchRestic()
    {
        using var restic = new Restic(Repo, Password);
        var (first, second) = CreateRepository(restic);
        var blobs = Blobs(restic);
        var data = blobs.Where(b => b.Type == "data").Select(b => b.Id).ToList();
        var trees = blobs.Where(b => b.Type == "tree").Select(b => b.Id).ToList();
        Assert.True(data.Count >= 5 && trees.Count >= 4);

        // --blob: full IDs and 8-character short IDs (restic matches no other prefix length), one snapshot or all
        string[] someBlobs = [data[0], data[1][..8], data[2][..8], data[3][..11], "00000000"];
        AssertSameJson(restic, ["find", "--json", "--blob", .. someBlobs]);
        AssertSameJson(restic, ["find", "--json", "--blob", "-s", first, .. data.Select(d => d[..8])]);
        AssertSameText(restic, ["find", "--blob", .. data]);
        // nothing found: an empty array
        Assert.Equal("[]\n", Cli.RunChecked("find", "--json", "--blob", "ffffffff").Stdout);
        Assert.Equal(restic.RunChecked("find", "--json", "--blob", "ffffffff").Stdout, Cli.RunChecked("find", "--json", "--blob", "ffffffff").Stdout);

        // --tree: every tree, short and full; root trees are no directory's subtree, so never reported
        AssertSameJson(restic, ["find", "--json", "--tree", .. trees.Select((t, i) => i % 2 == 0 ? t[..8] : t)]);
        AssertSameText(restic, ["find", "--tree", "-s", second, .. trees]);

        // --pack: the blobs of the packs, then the files that hold them
        var packs = restic.RunChecked("list", "packs").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        AssertSameJson(restic, ["find", "--json", "--pack", .. packs.Select(p => p[..8])]);
        AssertSameText(restic, ["find", "--pack", packs[0]]);
        var missing = Cli.Run("find", "--pack", packs[0], "deadbeef", "abc");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("unable to find pack(s): [abc deadbeef]", missing.Stderr);
        AssertNoStackTrace(missing);

        // --show-pack-id: the pack of each blob sought (and restic's notes for IDs it cannot look up)
        AssertSameText(restic, ["find", "--show-pack-id", "--blob", "-s", first, data[0], data[1][..8], "0123456789"]);
        AssertSameText(restic, ["find", "--show-pack-id", "--tree", "-s", second, trees[0], trees[1][..8]]);

        var mixed = Cli.Run("find", "--blob", "--tree", data[0]);
        Assert.Equal(1, mixed.ExitCode);
        Assert.Contains("cannot have several ID types", mixed.Stderr);
    }

    [Fact]
    public void FindOldestNewest_MatchRestic()
    {
        using var restic = new Restic(Repo, Password);
        CreateRepository(restic);
        string[][] cases =
        [
            ["-O", "2020-01-01"],
            ["-N", "2020-01-01 10:00"],
            ["-O", "01.01.2021", "-N", "2021-03-01 08:30:00 +0000"],
            ["-O", "2021-03-01 09:30:00 +0200", "-N", "02.03.2021 10:00:00"],
            ["-N", "Mon Jan 2 15:04:05 -0700 MST 2020"],
        ];
        foreach (var c in cases)
        {
            AssertSameJson(restic, ["find", "--json", "*", .. c]);
            AssertSameText(restic, ["find", "-l", "*", .. c]);
        }
        var bad = Cli.Run("find", "*", "-O", "yesterday");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("unable to parse time: \"yesterday\"", bad.Stderr);
        AssertNoStackTrace(bad);
    }
}
