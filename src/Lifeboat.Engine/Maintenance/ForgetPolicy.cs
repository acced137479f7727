using System.Globalization;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Maintenance;

/// <summary>Why a snapshot was kept, and the policy's remaining counters after it (restic's KeepReason).</summary>
public sealed record ForgetKeepReason(Snapshot Snapshot, IReadOnlyList<string> Matches, ForgetCounters Counters);

public readonly record struct ForgetCounters(int Last, int Hourly, int Daily, int Weekly, int Monthly, int Yearly);

public sealed record ForgetDecision(List<Snapshot> Keep, List<Snapshot> Remove, List<ForgetKeepReason> Reasons);

/// <summary>restic 0.14's ExpirePolicy: which snapshots of one group to keep.</summary>
public sealed record ForgetPolicy
{
    public int Last { get; init; }
    public int Hourly { get; init; }
    public int Daily { get; init; }
    public int Weekly { get; init; }
    public int Monthly { get; init; }
    public int Yearly { get; init; }
    public RetentionDuration Within { get; init; }
    public RetentionDuration WithinHourly { get; init; }
    public RetentionDuration WithinDaily { get; init; }
    public RetentionDuration WithinWeekly { get; init; }
    public RetentionDuration WithinMonthly { get; init; }
    public RetentionDuration WithinYearly { get; init; }
    /// <summary>Each entry is a tag list that must all be present (a --keep-tag value "a,b").</summary>
    public IReadOnlyList<IReadOnlyList<string>> Tags { get; init; } = [];

    public bool IsEmpty => Tags.Count == 0 && Last == 0 && Hourly == 0 && Daily == 0 && Weekly == 0 && Monthly == 0 && Yearly == 0
        && Within.IsZero && WithinHourly.IsZero && WithinDaily.IsZero && WithinWeekly.IsZero && WithinMonthly.IsZero && WithinYearly.IsZero;

    /// <summary>restic's description, printed after "Applying Policy: ".</summary>
    public override string ToString()
    {
        var keeps = new List<string>();
        if (Last > 0) keeps.Add($"{Last} latest");
        if (Hourly > 0) keeps.Add($"{Hourly} hourly");
        if (Daily > 0) keeps.Add($"{Daily} daily");
        if (Weekly > 0) keeps.Add($"{Weekly} weekly");
        if (Monthly > 0) keeps.Add($"{Monthly} monthly");
        if (Yearly > 0) keeps.Add($"{Yearly} yearly");
        var within = new List<string>();
        if (!WithinHourly.IsZero) within.Add($"hourly snapshots within {WithinHourly}");
        if (!WithinDaily.IsZero) within.Add($"daily snapshots within {WithinDaily}");
        if (!WithinWeekly.IsZero) within.Add($"weekly snapshots within {WithinWeekly}");
        if (!WithinMonthly.IsZero) within.Add($"monthly snapshots within {WithinMonthly}");
        if (!WithinYearly.IsZero) within.Add($"yearly snapshots within {WithinYearly}");
        var s = "";
        if (keeps.Count > 0) s = $"{string.Join(", ", keeps)} snapshots";
        if (within.Count > 0)
        {
            if (s != "") s += ", ";
            s += string.Join(", ", within);
        }
        if (Tags.Count > 0)
        {
            if (s != "") s += " and ";
            s += $"all snapshots with tags {TagListsText(Tags)}";
        }
        if (!Within.IsZero)
        {
            if (s != "") s += " and ";
            s += $"all snapshots within {Within} of the newest";
        }
        return "keep " + s;
    }

    /// <summary>Go's %v of restic's TagLists, each TagList printing itself as "[a, b]".</summary>
    private static string TagListsText(IReadOnlyList<IReadOnlyList<string>> lists) =>
        "[" + string.Join(" ", lists.Select(l => "[" + string.Join(", ", l) + "]")) + "]";

    private static int HourBucket(DateTimeOffset d) => d.Year * 1000000 + d.Month * 10000 + d.Day * 100 + d.Hour;
    private static int DayBucket(DateTimeOffset d) => d.Year * 10000 + d.Month * 100 + d.Day;
    private static int WeekBucket(DateTimeOffset d) => ISOWeek.GetYear(d.DateTime) * 100 + ISOWeek.GetWeekOfYear(d.DateTime);
    private static int MonthBucket(DateTimeOffset d) => d.Year * 100 + d.Month;
    private static int YearBucket(DateTimeOffset d) => d.Year;

    private static bool HasTags(Snapshot snapshot, IReadOnlyList<string> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Length == 0 && (snapshot.Tags is null || snapshot.Tags.Count == 0)) return true;
            if (!snapshot.HasTag(tag)) return false;
        }
        return true;
    }

    /// <summary>
    /// restic's ApplyPolicy: newest first, each snapshot is kept when a tag list matches, when it lies within
    /// --keep-within of the newest, or when it opens a new hour/day/week/month/year bucket while that bucket
    /// has count left. Buckets use the snapshot's own (local) wall-clock time.
    /// </summary>
    public ForgetDecision Apply(IEnumerable<Snapshot> snapshots)
    {
        // Go's sort.Sort: newest first. Equal times keep their input order here.
        var list = snapshots.OrderByDescending(s => s.Time.UnixNanoseconds).ToList();
        var keep = new List<Snapshot>();
        var remove = new List<Snapshot>();
        var reasons = new List<ForgetKeepReason>();
        if (IsEmpty)
        {
            foreach (var s in list) reasons.Add(new ForgetKeepReason(s, ["policy is empty"], default));
            return new ForgetDecision(list, remove, reasons);
        }
        if (list.Count == 0) return new ForgetDecision(keep, remove, reasons);

        var counts = new[] { Last, Hourly, Daily, Weekly, Monthly, Yearly };
        var lastValues = new[] { -1, -1, -1, -1, -1, -1 };
        Func<DateTimeOffset, int, int>[] buckers = [(_, nr) => nr, (d, _) => HourBucket(d), (d, _) => DayBucket(d), (d, _) => WeekBucket(d), (d, _) => MonthBucket(d), (d, _) => YearBucket(d)];
        string[] bucketReasons = ["last snapshot", "hourly snapshot", "daily snapshot", "weekly snapshot", "monthly snapshot", "yearly snapshot"];

        var withins = new[] { WithinHourly, WithinDaily, WithinWeekly, WithinMonthly, WithinYearly };
        var withinLast = new[] { -1, -1, -1, -1, -1 };
        Func<DateTimeOffset, int>[] withinBuckers = [HourBucket, DayBucket, WeekBucket, MonthBucket, YearBucket];
        string[] withinReasons = ["hourly within", "daily within", "weekly within", "monthly within", "yearly within"];

        var latest = list[0].Time;
        for (int nr = 0; nr < list.Count; nr++)
        {
            var current = list[nr];
            var wall = current.Time.ToDateTimeOffset();
            bool keepIt = false;
            var matches = new List<string>();

            foreach (var tags in Tags)
            {
                if (!HasTags(current, tags)) continue;
                keepIt = true;
                matches.Add($"has tags [{string.Join(", ", tags)}]");
            }

            if (!Within.IsZero && wall > Within.SubtractFrom(latest))
            {
                keepIt = true;
                matches.Add($"within {Within}");
            }

            for (int i = 0; i < counts.Length; i++)
            {
                if (counts[i] <= 0) continue;
                int value = buckers[i](wall, nr);
                if (value == lastValues[i]) continue;
                keepIt = true;
                lastValues[i] = value;
                counts[i]--;
                matches.Add(bucketReasons[i]);
            }

            for (int i = 0; i < withins.Length; i++)
            {
                if (withins[i].IsZero || !(wall > withins[i].SubtractFrom(latest))) continue;
                int value = withinBuckers[i](wall);
                if (value == withinLast[i]) continue;
                keepIt = true;
                withinLast[i] = value;
                matches.Add($"{withinReasons[i]} {withins[i]}");
            }

            if (keepIt)
            {
                keep.Add(current);
                reasons.Add(new ForgetKeepReason(current, matches, new ForgetCounters(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])));
            }
            else remove.Add(current);
        }
        return new ForgetDecision(keep, remove, reasons);
    }
}
