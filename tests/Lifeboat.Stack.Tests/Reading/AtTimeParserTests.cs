using Lifeboat.Stack.Reading;

namespace Lifeboat.Stack.Tests.Reading;

/// <summary>--at as people type it, on a fixed clock: Saturday 2026-12-05 10:30 in a zone one hour east of UTC.</summary>
public class AtTimeParserTests
{
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.CreateCustomTimeZone("Test+1", TimeSpan.FromHours(1), "Test+1", "Test+1");
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 10, 30, 0, TimeSpan.FromHours(1));

    private static DateTimeOffset Parse(string text) => AtTimeParser.Parse(text, Now, Zone);

    /// <summary>The last tick of a day in the test zone.</summary>
    private static DateTimeOffset EndOf(int month, int day) => new DateTimeOffset(2026, month, day, 0, 0, 0, TimeSpan.FromHours(1)).AddDays(1).AddTicks(-1);

    [Fact]
    public void Iso8601_IsLocalTimeUnlessItNamesAZone()
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 15, 0, 0, TimeSpan.FromHours(1)), Parse("2026-11-28T15:00"));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 15, 0, 0, TimeSpan.FromHours(1)), Parse("2026-11-28 15:00"));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 15, 0, 0, TimeSpan.Zero), Parse("2026-11-28T15:00:00Z"));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 15, 0, 0, TimeSpan.FromHours(-5)), Parse("2026-11-28T15:00:00-05:00"));
    }

    [Fact]
    public void ADate_IsTheEndOfThatDay()
    {
        Assert.Equal(EndOf(11, 28), Parse("2026-11-28"));
        Assert.Equal(EndOf(12, 4), Parse("yesterday"));
        Assert.Equal(EndOf(12, 5), Parse("Today"));
        Assert.Equal(Now, Parse("now"));
    }

    [Fact]
    public void AgoAndLast_CountBackFromNow()
    {
        Assert.Equal(Now.AddDays(-3), Parse("3 days ago"));
        Assert.Equal(Now.AddHours(-2), Parse("2 hours ago"));
        Assert.Equal(Now.AddHours(-1), Parse("an hour ago"));
        Assert.Equal(Now.AddMinutes(-45), Parse("45  minutes ago"));
        Assert.Equal(Now.AddDays(-14), Parse("2 weeks ago"));
        Assert.Equal(Now.AddMonths(-1), Parse("1 month ago"));
        Assert.Equal(Now.AddDays(-7), Parse("last week"));
        Assert.Equal(Now.AddMonths(-1), Parse("last month"));
    }

    [Fact]
    public void AWeekday_IsTheEndOfTheMostRecentOneBeforeToday()
    {
        // Now is a Saturday
        Assert.Equal(EndOf(12, 1), Parse("tuesday"));
        Assert.Equal(EndOf(12, 1), Parse("Tue"));
        Assert.Equal(EndOf(12, 1), Parse("last tuesday"));
        Assert.Equal(EndOf(12, 4), Parse("friday"));
        Assert.Equal(EndOf(11, 28), Parse("saturday"));
        Assert.Equal(EndOf(11, 30), Parse("mon"));
    }

    [Theory]
    [InlineData("last fortnight")]
    [InlineData("3 parsecs ago")]
    [InlineData("2026-13-01")]
    [InlineData("soon")]
    [InlineData("")]
    public void AnythingElse_IsOneLineListingTheForms(string text)
    {
        var e = Assert.Throws<StackException>(() => Parse(text));
        Assert.Equal($"--at \"{text}\" is not a time: use 2026-11-28 (the end of that day), 2026-11-28T15:00 (local time), 2026-11-28T15:00:00Z, yesterday, 3 days ago, 2 hours ago, last week or a weekday such as tuesday", e.Message);
    }
}
