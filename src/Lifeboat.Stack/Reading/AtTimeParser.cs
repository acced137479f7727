using System.Globalization;
using System.Text.RegularExpressions;

namespace Lifeboat.Stack.Reading;

/// <summary>
/// `--at` as people type it: ISO 8601 (local time when no zone is given), a date alone (`2026-11-28`), `now`,
/// `today`, `yesterday`, `N minutes|hours|days|weeks|months|years ago` (also `an hour ago`), `last week|month|year`
/// and a weekday (`tuesday`, `last tue`: the most recent one before today). A day stands for its end, so "the newest
/// snapshot at or before it" is that day's last one.
/// </summary>
public static partial class AtTimeParser
{
    /// <summary>What the error lists, in one line.</summary>
    public const string AcceptedForms =
        "2026-11-28 (the end of that day), 2026-11-28T15:00 (local time), 2026-11-28T15:00:00Z, yesterday, 3 days ago, 2 hours ago, last week or a weekday such as tuesday";

    private static readonly string[] Weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    [GeneratedRegex(@"^(?<n>\d+|an?|one) +(?<unit>min|mins|minutes?|h|hours?|days?|weeks?|months?|years?) +ago$")]
    private static partial Regex Ago();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex DateOnly();

    /// <summary>The instant <paramref name="text"/> names, relative to <paramref name="now"/> and in <paramref name="zone"/>.</summary>
    /// <exception cref="StackException">Not a form listed in <see cref="AcceptedForms"/>.</exception>
    public static DateTimeOffset Parse(string text, DateTimeOffset now, TimeZoneInfo zone) =>
        TryParse(text, now, zone) ?? throw new StackException($"--at \"{text}\" is not a time: use {AcceptedForms}");

    public static DateTimeOffset? TryParse(string text, DateTimeOffset now, TimeZoneInfo zone)
    {
        var words = string.Join(' ', text.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var today = TimeZoneInfo.ConvertTime(now, zone).Date;
        switch (words)
        {
            case "now": return now;
            case "today": return EndOfDay(today, zone);
            case "yesterday": return EndOfDay(today.AddDays(-1), zone);
            case "last week": return now.AddDays(-7);
            case "last month": return now.AddMonths(-1);
            case "last year": return now.AddYears(-1);
        }
        var weekday = words.StartsWith("last ", StringComparison.Ordinal) ? words[5..] : words;
        int day = Array.FindIndex(Weekdays, d => weekday == d || (weekday.Length >= 3 && d.StartsWith(weekday, StringComparison.Ordinal)));
        if (day >= 0)
        {
            int back = ((int)today.DayOfWeek - day + 7) % 7;
            return EndOfDay(today.AddDays(-(back == 0 ? 7 : back)), zone);
        }
        if (Ago().Match(words) is { Success: true } ago)
        {
            var n = ago.Groups["n"].Value;
            int count = n is "a" or "an" or "one" ? 1 : int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : -1;
            if (count < 0) return null;
            var unit = ago.Groups["unit"].Value;
            try
            {
                return unit[0] switch
                {
                    'm' when unit.StartsWith("mo", StringComparison.Ordinal) => now.AddMonths(-count),
                    'm' => now.AddMinutes(-count),
                    'h' => now.AddHours(-count),
                    'd' => now.AddDays(-count),
                    'w' => now.AddDays(-7.0 * count),
                    _ => now.AddYears(-count),
                };
            }
            catch (ArgumentOutOfRangeException)
            {
                return null;
            }
        }
        if (DateOnly().IsMatch(words))
            return DateTime.TryParseExact(words, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? EndOfDay(date, zone) : null;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind | DateTimeStyles.AllowWhiteSpaces, out var time))
            return null;
        // a zone in the text names the instant; without one it is a wall-clock time in the local zone
        return time.Kind == DateTimeKind.Unspecified ? InZone(time, zone) : new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero);
    }

    private static DateTimeOffset EndOfDay(DateTime date, TimeZoneInfo zone) => InZone(date.Date.AddDays(1), zone).AddTicks(-1);

    private static DateTimeOffset InZone(DateTime wall, TimeZoneInfo zone)
    {
        wall = DateTime.SpecifyKind(wall, DateTimeKind.Unspecified);
        // a time the clock skipped (spring forward) is read with the offset before the change
        var offset = zone.IsInvalidTime(wall) ? zone.GetUtcOffset(wall.AddHours(-2)) : zone.GetUtcOffset(wall);
        return new DateTimeOffset(wall, offset);
    }
}
