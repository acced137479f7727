using Lifeboat.Engine.Filtering;

namespace Lifeboat.Engine.Tests.Filtering;

/// <summary>restic's filter.List and ListWithChild, negation included.</summary>
public class PatternListTests
{
    [Theory]
    [InlineData("/data/a.tmp", true)]
    [InlineData("/data/keep.tmp", false)]
    [InlineData("/data/keep.tmp/inner", false)]
    [InlineData("/data/a.txt", false)]
    public void ANegation_TakesBackWhatThePatternsBeforeItMatched(string path, bool expected) =>
        Assert.Equal(expected, new PatternList(["*.tmp", "!keep.tmp"]).Matches(path));

    [Fact]
    public void APatternAfterANegation_MatchesAgain() =>
        Assert.True(new PatternList(["*.tmp", "!keep.tmp", "/data/keep.tmp"]).Matches("/data/keep.tmp"));

    [Theory]
    // matched, so everything below may match
    [InlineData("/data", true, true)]
    // negated: neither it nor anything below it
    [InlineData("/data/cache", false, false)]
    [InlineData("/data/cache/x", false, false)]
    // not matched, and no absolute pattern leads below it
    [InlineData("/other", false, false)]
    public void WithChild_ANegationThatMatchesRulesOutEverythingBelow(string path, bool matched, bool childMayMatch)
    {
        var list = new PatternList(["/data", "!/data/cache"]);
        Assert.Equal(matched, list.Matches(path, out bool child));
        Assert.Equal(childMayMatch, child);
        Assert.Equal(matched, list.Matches(path));
    }

    [Fact]
    public void EmptyPatternsAndABareBang_MatchNothing()
    {
        var list = new PatternList(["", "!"]);
        Assert.True(list.IsEmpty);
        Assert.False(list.Matches("/anything"));
    }

    [Fact]
    public void CaseInsensitive_LowersPatternAndPath()
    {
        var list = new PatternList(["/DATA/Sub", "!*/Y"], caseInsensitive: true);
        Assert.True(list.Matches("/data/SUB/x"));
        Assert.False(list.Matches("/Data/sub/y"));
        Assert.True(list.HasNegation);
    }
}
