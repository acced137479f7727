using System.Text;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Maintenance;

/// <summary>
/// restic 0.14's ApplyPolicy (internal/restic/snapshot_policy.go) on small, hand-made lists: newest first, each keep-*
/// rule keeps the newest snapshot of each hour, day, ISO week, month or year (by the snapshot's own wall clock) while it
/// has count left, keep-within counts back from the newest snapshot with Go's calendar arithmetic, keep-tag keeps without
/// counting, and each kept snapshot carries restic's reasons and the counters left after it.
/// The Interop suite compares whole decisions with the restic binary; these pin each rule on its own.
/// </summary>
public class ForgetPolicyTests
{
    private static Snapshot At(string time, params string[] tags) => new()
    {
        Time = GoTime.Parse(time),
        Hostname = "host",
        Paths = ["/srv"],
        Tags = tags.Length > 0 ? [.. tags] : null,
        Id = Id.Hash(Encoding.UTF8.GetBytes(time + string.Join(",", tags))),
    };

    private static List<string> Times(IEnumerable<Snapshot> snapshots) => snapshots.Select(s => s.Time.ToString()).ToList();

    /// <summary>Applies the policy to the snapshots (in a shuffled order) and returns the kept and removed times, newest first.</summary>
    private static (List<string> Keep, List<string> Remove, ForgetDecision Decision) Apply(ForgetPolicy policy, params Snapshot[] snapshots)
    {
        var shuffled = snapshots.OrderBy(s => s.Id).ToList();
        var decision = policy.Apply(shuffled);
        Assert.Equal(snapshots.Length, decision.Keep.Count + decision.Remove.Count);
        Assert.Equal(decision.Keep, decision.Reasons.Select(r => r.Snapshot));
        return (Times(decision.Keep), Times(decision.Remove), decision);
    }

    private static string T(string time) => GoTime.Parse(time).ToString();

    [Fact]
    public void KeepLast_KeepsTheNewest_CountingDown()
    {
        var (keep, remove, decision) = Apply(new ForgetPolicy { Last = 2 },
            At("2021-01-01T10:00:00Z"), At("2021-01-03T10:00:00Z"), At("2021-01-02T10:00:00Z"), At("2021-01-01T09:00:00Z"));

        Assert.Equal([T("2021-01-03T10:00:00Z"), T("2021-01-02T10:00:00Z")], keep);
        Assert.Equal([T("2021-01-01T10:00:00Z"), T("2021-01-01T09:00:00Z")], remove);
        Assert.All(decision.Reasons, r => Assert.Equal(["last snapshot"], r.Matches));
        Assert.Equal([1, 0], decision.Reasons.Select(r => r.Counters.Last));
    }

    [Fact]
    public void KeepHourly_KeepsTheNewestOfEachHour()
    {
        var (keep, _, decision) = Apply(new ForgetPolicy { Hourly = 2 },
            At("2021-05-01T10:05:00Z"), At("2021-05-01T10:40:00Z"), At("2021-05-01T11:10:00Z"), At("2021-05-01T12:30:00Z"), At("2021-05-01T12:50:00Z"));

        Assert.Equal([T("2021-05-01T12:50:00Z"), T("2021-05-01T11:10:00Z")], keep);
        Assert.All(decision.Reasons, r => Assert.Equal(["hourly snapshot"], r.Matches));
        Assert.Equal([1, 0], decision.Reasons.Select(r => r.Counters.Hourly));
    }

    [Fact]
    public void KeepDaily_UsesEachSnapshotsOwnWallClock()
    {
        // All four were taken on 1 March UTC, but the first is on 2 March by its own clock and the last on 28 February.
        var (keep, remove, _) = Apply(new ForgetPolicy { Daily = 5 },
            At("2021-03-02T01:00:00+02:00"), At("2021-03-01T22:30:00Z"), At("2021-03-01T08:00:00Z"), At("2021-02-28T22:00:00-05:00"));

        Assert.Equal([T("2021-03-02T01:00:00+02:00"), T("2021-03-01T22:30:00Z"), T("2021-02-28T22:00:00-05:00")], keep);
        Assert.Equal([T("2021-03-01T08:00:00Z")], remove);
    }

    [Fact]
    public void KeepWeekly_UsesIsoWeeks_AcrossTheNewYear()
    {
        // Thursday 31 Dec 2020 to Sunday 3 Jan 2021 are ISO week 53 of 2020; Monday 4 Jan starts week 1 of 2021.
        var (keep, remove, decision) = Apply(new ForgetPolicy { Weekly = 10 },
            At("2020-12-31T12:00:00Z"), At("2021-01-02T12:00:00Z"), At("2021-01-03T12:00:00Z"), At("2021-01-04T12:00:00Z"), At("2020-12-27T12:00:00Z"));

        Assert.Equal([T("2021-01-04T12:00:00Z"), T("2021-01-03T12:00:00Z"), T("2020-12-27T12:00:00Z")], keep);
        Assert.Equal([T("2021-01-02T12:00:00Z"), T("2020-12-31T12:00:00Z")], remove);
        Assert.Equal([9, 8, 7], decision.Reasons.Select(r => r.Counters.Weekly));
    }

    [Fact]
    public void KeepMonthlyAndYearly_KeepTheNewestOfEach()
    {
        Snapshot[] snapshots =
        [
            At("2019-12-31T23:00:00Z"), At("2020-06-01T00:00:00Z"), At("2020-06-30T00:00:00Z"),
            At("2020-11-15T00:00:00Z"), At("2021-01-01T00:00:00Z"), At("2021-01-20T00:00:00Z"),
        ];
        var (monthly, _, _) = Apply(new ForgetPolicy { Monthly = 3 }, snapshots);
        Assert.Equal([T("2021-01-20T00:00:00Z"), T("2020-11-15T00:00:00Z"), T("2020-06-30T00:00:00Z")], monthly);

        var (yearly, _, reasons) = Apply(new ForgetPolicy { Yearly = 5 }, snapshots);
        Assert.Equal([T("2021-01-20T00:00:00Z"), T("2020-11-15T00:00:00Z"), T("2019-12-31T23:00:00Z")], yearly);
        Assert.All(reasons.Reasons, r => Assert.Equal(["yearly snapshot"], r.Matches));
    }

    [Fact]
    public void SeveralRules_GiveEveryReason_AndCountEachRuleOnItsOwn()
    {
        var (keep, _, decision) = Apply(new ForgetPolicy { Last = 1, Daily = 2, Weekly = 1 },
            At("2021-06-09T18:00:00Z"), At("2021-06-09T08:00:00Z"), At("2021-06-08T08:00:00Z"), At("2021-06-01T08:00:00Z"));

        Assert.Equal([T("2021-06-09T18:00:00Z"), T("2021-06-08T08:00:00Z")], keep);
        Assert.Equal(["last snapshot", "daily snapshot", "weekly snapshot"], decision.Reasons[0].Matches);
        Assert.Equal(new ForgetCounters(0, 0, 1, 0, 0, 0), decision.Reasons[0].Counters);
        Assert.Equal(["daily snapshot"], decision.Reasons[1].Matches);
        Assert.Equal(new ForgetCounters(0, 0, 0, 0, 0, 0), decision.Reasons[1].Counters);
    }

    [Fact]
    public void KeepWithin_CountsBackFromTheNewestSnapshot_NotFromNow()
    {
        var (keep, remove, decision) = Apply(new ForgetPolicy { Within = RetentionDuration.Parse("1d12h") },
            At("2020-01-10T12:00:00Z"), At("2020-01-09T00:00:01Z"), At("2020-01-09T00:00:00Z"), At("2020-01-01T00:00:00Z"));

        // Kept only when strictly after the newest less 1 day 12 hours.
        Assert.Equal([T("2020-01-10T12:00:00Z"), T("2020-01-09T00:00:01Z")], keep);
        Assert.Equal([T("2020-01-09T00:00:00Z"), T("2020-01-01T00:00:00Z")], remove);
        Assert.All(decision.Reasons, r => Assert.Equal(["within 1d12h"], r.Matches));
    }

    [Fact]
    public void KeepWithin_AMonthBeforeThe31st_IsGosNormalizedDate()
    {
        // Go's AddDate(0, -1, 0) on 31 March gives "31 February", normalized to 3 March.
        var (keep, remove, _) = Apply(new ForgetPolicy { Within = RetentionDuration.Parse("1m") },
            At("2021-03-31T12:00:00Z"), At("2021-03-03T12:00:01Z"), At("2021-03-03T11:59:59Z"), At("2021-03-01T00:00:00Z"));

        Assert.Equal([T("2021-03-31T12:00:00Z"), T("2021-03-03T12:00:01Z")], keep);
        Assert.Equal([T("2021-03-03T11:59:59Z"), T("2021-03-01T00:00:00Z")], remove);
    }

    [Fact]
    public void KeepWithinDaily_KeepsOneADay_OnlyInsideTheWindow()
    {
        var (keep, _, decision) = Apply(new ForgetPolicy { WithinDaily = RetentionDuration.Parse("2d") },
            At("2021-04-10T20:00:00Z"), At("2021-04-10T09:00:00Z"), At("2021-04-09T09:00:00Z"), At("2021-04-08T21:00:00Z"), At("2021-04-08T19:00:00Z"));

        // The window ends at 8 April 20:00: the 21:00 snapshot opens that day, the 19:00 one is outside.
        Assert.Equal([T("2021-04-10T20:00:00Z"), T("2021-04-09T09:00:00Z"), T("2021-04-08T21:00:00Z")], keep);
        Assert.All(decision.Reasons, r => Assert.Equal(["daily within 2d"], r.Matches));
        Assert.All(decision.Reasons, r => Assert.Equal(default, r.Counters));
    }

    [Fact]
    public void KeepWithinHourlyAndYearly_GiveTheirOwnReasons()
    {
        var (keep, _, decision) = Apply(new ForgetPolicy { WithinHourly = RetentionDuration.Parse("3h"), WithinYearly = RetentionDuration.Parse("2y") },
            At("2022-01-01T12:30:00Z"), At("2022-01-01T12:10:00Z"), At("2022-01-01T10:00:00Z"), At("2021-05-05T00:00:00Z"), At("2019-05-05T00:00:00Z"));

        Assert.Equal([T("2022-01-01T12:30:00Z"), T("2022-01-01T10:00:00Z"), T("2021-05-05T00:00:00Z")], keep);
        Assert.Equal(["hourly within 3h", "yearly within 2y"], decision.Reasons[0].Matches);
        Assert.Equal(["hourly within 3h"], decision.Reasons[1].Matches);
        Assert.Equal(["yearly within 2y"], decision.Reasons[2].Matches);
    }

    [Fact]
    public void KeepTag_KeepsEveryMatchingSnapshot_WithoutCounting()
    {
        // Each --keep-tag value is a list that must all be present; an empty tag matches snapshots without tags.
        var policy = new ForgetPolicy { Tags = [["a"], ["b", "c"]], Last = 1 };
        var (keep, remove, decision) = Apply(policy,
            At("2021-01-05T00:00:00Z"), At("2021-01-04T00:00:00Z", "a"), At("2021-01-03T00:00:00Z", "b"),
            At("2021-01-02T00:00:00Z", "c", "b", "x"), At("2021-01-01T00:00:00Z", "a", "b", "c"));

        Assert.Equal([T("2021-01-05T00:00:00Z"), T("2021-01-04T00:00:00Z"), T("2021-01-02T00:00:00Z"), T("2021-01-01T00:00:00Z")], keep);
        Assert.Equal([T("2021-01-03T00:00:00Z")], remove);
        Assert.Equal(new IReadOnlyList<string>[] { ["last snapshot"], ["has tags [a]"], ["has tags [b, c]"], ["has tags [a]", "has tags [b, c]"] },
            decision.Reasons.Select(r => r.Matches));

        var untagged = new ForgetPolicy { Tags = [[""]] };
        var (keptUntagged, _, _) = Apply(untagged, At("2021-01-02T00:00:00Z"), At("2021-01-01T00:00:00Z", "a"));
        Assert.Equal([T("2021-01-02T00:00:00Z")], keptUntagged);
    }

    [Fact]
    public void EmptyPolicy_KeepsEverything_SayingSo()
    {
        var policy = new ForgetPolicy();
        Assert.True(policy.IsEmpty);
        var (keep, remove, decision) = Apply(policy, At("2021-01-01T00:00:00Z"), At("2021-01-02T00:00:00Z"));
        Assert.Equal([T("2021-01-02T00:00:00Z"), T("2021-01-01T00:00:00Z")], keep);
        Assert.Empty(remove);
        Assert.All(decision.Reasons, r => Assert.Equal(["policy is empty"], r.Matches));

        var none = new ForgetPolicy { Last = 3 }.Apply([]);
        Assert.Empty(none.Keep);
        Assert.Empty(none.Remove);
        Assert.False(new ForgetPolicy { WithinMonthly = RetentionDuration.Parse("1m") }.IsEmpty);
    }

    [Fact]
    public void Description_IsResticsApplyingPolicyLine()
    {
        // restic 0.14.0: forget --keep-last 2 --keep-daily 3 --keep-within-daily 1m2d --keep-within-hourly 12h
        // --keep-tag a --keep-tag b,c --keep-within 1y
        var policy = new ForgetPolicy
        {
            Last = 2,
            Daily = 3,
            WithinDaily = RetentionDuration.Parse("1m2d"),
            WithinHourly = RetentionDuration.Parse("12h"),
            Tags = [["a"], ["b", "c"]],
            Within = RetentionDuration.Parse("1y"),
        };
        Assert.Equal("keep 2 latest, 3 daily snapshots, hourly snapshots within 12h, daily snapshots within 1m2d and all snapshots with tags [[a] [b, c]] and all snapshots within 1y of the newest",
            policy.ToString());
        Assert.Equal("keep 1 weekly, 2 monthly, 3 yearly snapshots", new ForgetPolicy { Weekly = 1, Monthly = 2, Yearly = 3 }.ToString());
    }

    [Theory]
    [InlineData("5", "no unit found after number 5")]
    [InlineData("x", "no number found")]
    [InlineData("1x", "invalid unit 'x' found after number 1")]
    [InlineData("1d2", "no unit found after number 2")]
    public void Duration_RefusesWhatResticRefuses(string text, string why)
    {
        var e = Assert.Throws<FormatException>(() => RetentionDuration.Parse(text));
        Assert.EndsWith(why, e.Message);
    }

    [Fact]
    public void Duration_ReadsEachUnit_AndPrintsAsRestic()
    {
        Assert.Equal(new RetentionDuration(1, 2, 3, 4), RetentionDuration.Parse("1y2m3d4h"));
        Assert.Equal(new RetentionDuration(0, 0, 10, 5), RetentionDuration.Parse("5h10d"));
        Assert.Equal("1y2m3d4h", new RetentionDuration(1, 2, 3, 4).ToString());
        Assert.Equal("36h", RetentionDuration.Parse("36h").ToString());
        Assert.True(RetentionDuration.Parse("").IsZero);
    }
}
