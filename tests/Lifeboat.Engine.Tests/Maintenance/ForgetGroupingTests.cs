using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>restic 0.14's --group-by: which snapshots forget's policy sees together, and its refusal of an unknown option.</summary>
public class ForgetGroupingTests
{
    private static Snapshot Of(string host, string[] paths, params string[] tags) => new()
    {
        Time = GoTime.Parse("2021-01-01T00:00:00Z"),
        Hostname = host,
        Paths = [.. paths],
        Tags = tags.Length > 0 ? [.. tags] : null,
    };

    [Theory]
    [InlineData("host,paths", true, true, false)]
    [InlineData("tags", false, false, true)]
    [InlineData("paths,tags,host", true, true, true)]
    [InlineData("", false, false, false)]
    public void Parse_ReadsEachOption(string text, bool host, bool paths, bool tags) =>
        Assert.Equal(new ForgetGrouping(host, paths, tags), ForgetGrouping.Parse(text));

    [Theory]
    [InlineData("hosts", "hosts")]
    [InlineData("host, paths", " paths")]
    public void Parse_RefusesAnUnknownOption_AsRestic(string text, string option)
    {
        // restic 0.14.0: "Fatal: unknown grouping option: 'foo'"
        var e = Assert.Throws<FormatException>(() => ForgetGrouping.Parse(text));
        Assert.Equal($"unknown grouping option: '{option}'", e.Message);
    }

    [Fact]
    public void Default_GroupsByHostAndPaths_InAnyOrderOfThePaths()
    {
        var a = Of("alpha", ["/srv", "/etc"]);
        var b = Of("alpha", ["/etc", "/srv"], "x");
        var c = Of("beta", ["/etc", "/srv"]);
        var d = Of("alpha", ["/srv"]);
        var groups = ForgetGrouping.Default.Group([a, b, c, d]);

        Assert.Equal(new Snapshot[][] { [a, b], [c], [d] }, groups.Select(g => g.Snapshots.ToArray()));
        Assert.Equal("alpha", groups[0].Key.Hostname);
        Assert.Equal(["/etc", "/srv"], groups[0].Key.Paths);
        Assert.Null(groups[0].Key.Tags);
        // As restic's GroupSnapshots, the snapshot's own paths end up sorted (forget prints them so).
        Assert.Equal(["/etc", "/srv"], a.Paths);
    }

    [Fact]
    public void ByTags_SeparatesTagSets_AndIgnoresTheirOrder()
    {
        var a = Of("alpha", ["/srv"], "b", "a");
        var b = Of("beta", ["/etc"], "a", "b");
        var c = Of("alpha", ["/srv"]);
        var groups = ForgetGrouping.Parse("tags").Group([a, b, c]);

        Assert.Equal(new Snapshot[][] { [a, b], [c] }, groups.Select(g => g.Snapshots.ToArray()));
        Assert.Equal(["a", "b"], groups[0].Key.Tags);
        Assert.Equal("", groups[0].Key.Hostname);
        Assert.Null(groups[0].Key.Paths);
    }

    [Fact]
    public void NoGrouping_PutsEverySnapshotInOneGroup()
    {
        var groups = ForgetGrouping.Parse("").Group([Of("alpha", ["/a"]), Of("beta", ["/b"], "t")]);
        Assert.Equal(2, Assert.Single(groups).Snapshots.Count);
    }
}
