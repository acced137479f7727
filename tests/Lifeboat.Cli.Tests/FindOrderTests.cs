using System.Text.Json;
using System.Text.RegularExpressions;

namespace Lifeboat.Cli.Tests;

/// <summary>restic 0.18's find order: the snapshots newest first by their time, --reverse (-R) oldest first.</summary>
public class FindOrderTests : CliTestBase
{
    [Fact]
    public void Find_ListsSnapshotsNewestFirst_AndReverseOldestFirst()
    {
        WriteFile("same/keep.txt", "keep");
        Cli.RunChecked("init");
        // made in an order that is neither the times' order nor (most likely) the IDs'
        string[] times = ["2024-03-01 10:00:00", "2022-01-01 10:00:00", "2023-06-01 10:00:00"];
        var ids = new Dictionary<string, string>();
        foreach (var time in times)
        {
            WriteFile("doc.txt", time);
            Cli.RunChecked("backup", "--time", time, Source);
            var latest = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement.EnumerateArray()
                .Select(s => (Id: s.GetProperty("id").GetString()!, Time: s.GetProperty("time").GetDateTimeOffset()))
                .First(s => !ids.ContainsValue(s.Id));
            ids[time] = latest.Id;
        }
        string[] newestFirst = [ids[times[0]], ids[times[2]], ids[times[1]]];

        List<string> TextOrder(params string[] extra) =>
            [.. Regex.Matches(Cli.RunChecked(["find", .. extra, "doc.txt"]).Stdout, "Found matching entries in snapshot ([0-9a-f]{8})").Select(m => m.Groups[1].Value)];
        Assert.Equal(newestFirst.Select(id => id[..8]), TextOrder());
        Assert.Equal(newestFirst.Reverse().Select(id => id[..8]), TextOrder("--reverse"));
        Assert.Equal(newestFirst.Reverse().Select(id => id[..8]), TextOrder("-R"));

        // JSON: the same order, each block with its hits and snapshot as restic 0.14 wrote them
        var json = JsonDocument.Parse(Cli.RunChecked("find", "--json", "doc.txt").Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(newestFirst, json.Select(e => e.GetProperty("snapshot").GetString()));
        Assert.All(json, e => Assert.Equal(1, e.GetProperty("hits").GetInt32()));
        // the ID searches follow the same order: the data blob of a file every snapshot holds (its ID is its content's SHA-256)
        var blob = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("keep"u8));
        List<string> BlobOrder(params string[] extra) =>
            [.. JsonDocument.Parse(Cli.RunChecked(["find", "--json", "--blob", .. extra, blob]).Stdout).RootElement.EnumerateArray().Select(e => e.GetProperty("snapshot").GetString()!)];
        Assert.Equal(newestFirst, BlobOrder());
        Assert.Equal(newestFirst.Reverse(), BlobOrder("--reverse"));
    }
}
