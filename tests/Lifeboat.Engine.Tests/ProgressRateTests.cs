namespace Lifeboat.Engine.Tests;

public sealed class ProgressRateTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void NoEstimateUntilTheSamplesSpanTheMinimum()
    {
        var rate = new ProgressRate(S(10), S(2));
        Assert.Null(rate.Update(S(0), 0, 1000));
        Assert.Null(rate.Update(S(1), 100, 1000));
        Assert.Null(rate.PerSecond);
        // 2 s of samples at 100 a second: 800 left take 8 s
        Assert.Equal(S(8), rate.Update(S(2), 200, 1000));
        Assert.Equal(100, rate.PerSecond);
    }

    [Fact]
    public void NoEstimateWithoutATotalOrWhenNothingMoves()
    {
        var rate = new ProgressRate(S(10), S(2));
        rate.Sample(S(0), 0);
        rate.Sample(S(5), 500);
        Assert.Null(rate.Remaining(500, 0)); // the total is not known (a backup with --no-scan)
        Assert.Null(rate.Remaining(500, 500)); // done
        Assert.NotNull(rate.Remaining(500, 600));

        var stalled = new ProgressRate(S(10), S(2));
        stalled.Sample(S(0), 300);
        stalled.Sample(S(5), 300);
        Assert.Null(stalled.PerSecond);
        Assert.Null(stalled.Remaining(300, 600));
    }

    [Fact]
    public void TheRateStartsWhenTheWorkStartsNotWhileNothingMoves()
    {
        var rate = new ProgressRate(S(10), S(2));
        // 8 s of planning, nothing written, then 100 a second
        for (int t = 0; t <= 8; t++) rate.Sample(S(t), 0);
        Assert.Null(rate.PerSecond);
        rate.Sample(S(9), 100);
        rate.Sample(S(10), 200);
        Assert.Equal(100, rate.PerSecond);
        Assert.Equal(S(8), rate.Remaining(200, 1000));
    }

    [Fact]
    public void TheRateFollowsTheRecentWindowNotTheAverageSinceTheStart()
    {
        var rate = new ProgressRate(S(10), S(2));
        // a minute at 10 a second, then 1000 a second
        for (int t = 0; t <= 60; t++) rate.Sample(S(t), 10L * t);
        for (int t = 61; t <= 80; t++) rate.Sample(S(t), 600 + 1000L * (t - 60));
        Assert.Equal(1000, rate.PerSecond);
        // since the start it would be 20,600 / 80 s = 257.5 a second, and 100,000 left would take 389 s, not 100
        Assert.Equal(S(100), rate.Remaining(20_600, 120_600));
    }

    [Fact]
    public void ACountOrClockThatGoesBackStartsAgain()
    {
        var rate = new ProgressRate(S(10), S(2));
        rate.Sample(S(0), 0);
        rate.Sample(S(5), 5000);
        Assert.NotNull(rate.PerSecond);
        rate.Sample(S(6), 10); // the next app's count
        Assert.Null(rate.PerSecond);
        rate.Sample(S(8), 210);
        Assert.Equal(100, rate.PerSecond);

        rate.Sample(S(1), 300); // the next app's clock
        Assert.Null(rate.PerSecond);

        rate.Sample(S(4), 400);
        rate.Reset();
        Assert.Null(rate.PerSecond);
    }
}
