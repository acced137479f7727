using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Model;

public class GoTimeTests
{
    [Theory]
    [InlineData("2026-11-27T02:11:38.988588253+05:30")]
    [InlineData("2021-06-07T13:39:10+05:30")]
    [InlineData("2020-01-02T08:34:05.123456789+05:30")]
    [InlineData("1970-01-01T00:00:00.000000001Z")]
    [InlineData("1969-12-31T23:59:59.999999999-03:30")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59.9+14:00")]
    [InlineData("2015-02-13T08:53:59.1-12:00")]
    public void RoundTripsExactly(string text)
    {
        var t = GoTime.Parse(text);
        Assert.Equal(text, t.ToString());
        Assert.True(GoTime.TryParse(text, out var again));
        Assert.Equal(t, again);
    }

    [Fact]
    public void SpecExampleDecodesToInstantNanosAndOffset()
    {
        var t = GoTime.Parse("2026-11-27T02:11:38.988588253+05:30");
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 20, 41, 38, TimeSpan.Zero).ToUnixTimeSeconds(), t.UnixSeconds);
        Assert.Equal(988588253, t.Nanoseconds);
        Assert.Equal(5 * 3600 + 1800, t.OffsetSeconds);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 2, 11, 38, TimeSpan.FromMinutes(330)).AddTicks(9885882), t.ToDateTimeOffset());
    }

    [Fact]
    public void ZeroIsGosZeroTime()
    {
        Assert.Equal("0001-01-01T00:00:00Z", GoTime.Zero.ToString());
        Assert.Equal("0001-01-01T00:00:00Z", default(GoTime).ToString());
        Assert.Equal(-62135596800, GoTime.Zero.UnixSeconds);
        Assert.True(GoTime.Zero.IsZero);
        Assert.Equal(GoTime.Zero, GoTime.Parse("0001-01-01T00:00:00Z"));
        Assert.Equal("0001-01-01T00:00:00Z", new Node().ModTime.ToString());
    }

    [Fact]
    public void FractionIsTrimmedAndOffsetZeroIsZ()
    {
        Assert.Equal("1970-01-01T00:00:00.1Z", new GoTime(0, 100_000_000, 0).ToString());
        Assert.Equal("2000-01-01T00:00:00.1Z", GoTime.Parse("2000-01-01T00:00:00.100000000Z").ToString());
        Assert.Equal("2000-01-01T00:00:00Z", GoTime.Parse("2000-01-01T00:00:00.000Z").ToString());
        Assert.Equal("2000-01-01T00:00:00Z", GoTime.Parse("2000-01-01T00:00:00+00:00").ToString());
        Assert.Equal("1970-01-01T05:30:00.00012+05:30", new GoTime(0, 120_000, 19800).ToString());
    }

    [Fact]
    public void SameInstantDifferentOffsets()
    {
        var z = GoTime.Parse("2024-03-01T12:00:00Z");
        var ist = GoTime.Parse("2024-03-01T17:30:00+05:30");
        Assert.True(z.InstantEquals(ist));
        Assert.NotEqual(z, ist);
        Assert.Equal(z.UnixSeconds, ist.UnixSeconds);
        Assert.Equal("2024-03-01T17:30:00+05:30", new GoTime(z.UnixSeconds, 0, 19800).ToString());
        Assert.Equal("2024-03-01T08:30:00-03:30", new GoTime(z.UnixSeconds, 0, -12600).ToString());
    }

    [Fact]
    public void ParsesLeniently()
    {
        Assert.Equal("2000-01-01T00:00:00.123456789Z", GoTime.Parse("2000-01-01T00:00:00.1234567891234Z").ToString()); // extra digits truncated
        Assert.Equal("2000-01-01T00:00:00.5Z", GoTime.Parse("2000-01-01t00:00:00,5z").ToString());
        foreach (var bad in new[] { "", "garbage", "2000-13-01T00:00:00Z", "2001-02-29T00:00:00Z", "2000-01-01T24:00:00Z",
                     "2000-01-01T00:00:00", "2000-01-01T00:00:00.Z", "2000-01-01T00:00:00+0530", "2000-01-01 00:00:00Z", "2000-01-01T00:00:00Zx" })
            Assert.False(GoTime.TryParse(bad, out _), bad);
        Assert.True(GoTime.TryParse("2000-02-29T00:00:00Z", out _));
        Assert.Throws<FormatException>(() => GoTime.Parse("nope"));
    }

    [Fact]
    public void NanosecondsSurviveWhereDateTimeOffsetWouldNot()
    {
        var t = new GoTime(1_700_000_000, 123_456_789, 3600);
        var back = GoTime.Parse(t.ToString());
        Assert.Equal(123_456_789, back.Nanoseconds);
        Assert.Equal(t, back);
        Assert.Equal(123_456_700, GoTime.FromDateTimeOffset(t.ToDateTimeOffset()).Nanoseconds);
        Assert.Equal(1_700_000_000_123_456_789, t.UnixNanoseconds);
    }

    [Fact]
    public void YearsAreClampedLikeResticFixTime()
    {
        // -0005-03-15T12:00:00Z: only the year changes.
        Assert.Equal("0000-03-15T12:00:00Z", new GoTime(-62318635200, 0, 0).ToString());
        // Far before year 0.
        Assert.StartsWith("0000-", new GoTime(-70_000_000_000_000, 5, 0).ToString());
        // 10000-02-29 (a leap day) becomes 9999-03-01, as Go's AddDate normalizes it.
        Assert.Equal("9999-03-01T00:00:00Z", new GoTime(253407398400, 0, 0).ToString());
        // 12345-06-07T08:09:10.5Z -> 9999-06-07T08:09:10.5Z.
        long y2345 = new DateTimeOffset(2345, 6, 7, 8, 9, 10, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal("9999-06-07T08:09:10.5Z", new GoTime(y2345 + 3652425L * 86400, 500_000_000, 0).ToString());
        // The year is that of the stored offset: 9999-12-31T19:00Z is 10000-01-01T00:30 at +05:30.
        Assert.Equal("9999-01-01T00:30:00+05:30", new GoTime(253402282800, 0, 19800).ToString());
        Assert.Equal("9999-12-31T19:00:00Z", new GoTime(253402282800, 0, 0).ToString());
        Assert.StartsWith("0000-", new GoTime(long.MinValue / 2, 0, 0).ToString());
        Assert.StartsWith("9999-", new GoTime(long.MaxValue / 2, 0, 0).ToString());
    }

    [Fact]
    public void ConstructorNormalizesNanoseconds()
    {
        var t = new GoTime(10, -1, 0);
        Assert.Equal(9, t.UnixSeconds);
        Assert.Equal(999_999_999, t.Nanoseconds);
        var u = GoTime.FromUnix(10, 2_500_000_000);
        Assert.Equal(12, u.UnixSeconds);
        Assert.Equal(500_000_000, u.Nanoseconds);
    }

    [Fact]
    public void NowAndFromUnixUseTheLocalOffset()
    {
        var now = GoTime.Now();
        Assert.InRange(now.UnixSeconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.Equal((int)TimeZoneInfo.Local.GetUtcOffset(DateTime.UtcNow).TotalSeconds, now.OffsetSeconds);
        var t = GoTime.FromUnix(1_000_000_000, 7);
        Assert.Equal((int)TimeZoneInfo.Local.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(1_000_000_000).UtcDateTime).TotalSeconds, t.OffsetSeconds);
        Assert.Equal(7, t.Nanoseconds);
        _ = GoTime.FromUnix(long.MaxValue / 4, 0).ToString(); // extreme instants do not throw
    }

    [Fact]
    public void OrdersByInstant()
    {
        var a = GoTime.Parse("2024-01-01T00:00:00.5Z");
        var b = GoTime.Parse("2024-01-01T05:30:00.6+05:30");
        Assert.True(a < b);
        Assert.True(b > a);
        Assert.Equal(-1, a.CompareTo(b));
    }

    [Fact]
    public void FromDateTimeOffsetKeepsTheOffset()
    {
        var t = GoTime.FromDateTimeOffset(new DateTimeOffset(2020, 5, 6, 7, 8, 9, TimeSpan.FromHours(-7)).AddTicks(1));
        Assert.Equal("2020-05-06T07:08:09.0000001-07:00", t.ToString());
        Assert.Equal("1969-12-31T23:59:59.9999999Z", GoTime.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddTicks(-1)).ToString());
    }
}
