namespace Lifeboat.Engine.Tests;

/// <summary>Go's duration syntax, as restic's --retry-lock takes and prints it.</summary>
public class GoDurationTests
{
    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("1m30.5s", 90_500)]
    [InlineData("0", 0)]
    [InlineData("+2s", 2_000)]
    [InlineData("-2s", -2_000)]
    [InlineData(".5s", 500)]
    public void Parses(string text, long milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Fact]
    public void ParsesMicroAndNanoseconds()
    {
        Assert.True(GoDuration.TryParse("1500us", out var d));
        Assert.Equal(TimeSpan.FromMicroseconds(1500), d);
        Assert.True(GoDuration.TryParse("3µs200ns", out d));
        Assert.Equal(TimeSpan.FromTicks(32), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("5 m")]
    [InlineData("1d")]
    [InlineData("soon")]
    [InlineData(".s")]
    [InlineData("1h30")]
    public void RefusesWhatGoRefuses(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(10_000, "10s")]
    [InlineData(300_000, "5m0s")]
    [InlineData(5_400_000, "1h30m0s")]
    [InlineData(90_500, "1m30.5s")]
    [InlineData(500, "500ms")]
    [InlineData(1_500, "1.5s")]
    [InlineData(-2_000, "-2s")]
    public void FormatsAsGo(long milliseconds, string expected) =>
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void FormatsBelowAMillisecondAsGo()
    {
        Assert.Equal("1.5µs", GoDuration.Format(TimeSpan.FromTicks(15)));
        Assert.Equal("200ns", GoDuration.Format(TimeSpan.FromTicks(2)));
    }
}
