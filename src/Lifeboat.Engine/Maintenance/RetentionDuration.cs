using System.Globalization;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Maintenance;

/// <summary>restic's policy duration ("1y2m3d4h"): calendar years, months and days, then hours.</summary>
public readonly record struct RetentionDuration(int Years, int Months, int Days, int Hours)
{
    public bool IsZero => Years == 0 && Months == 0 && Days == 0 && Hours == 0;

    /// <summary>restic's ParseDuration: number-unit pairs, units y, m, d, h.</summary>
    public static RetentionDuration Parse(string text)
    {
        int years = 0, months = 0, days = 0, hours = 0;
        int i = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start) throw new FormatException($"invalid duration \"{text}\": no number found");
            if (!int.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out int number))
                throw new FormatException($"invalid duration \"{text}\": number too large");
            if (i == text.Length) throw new FormatException($"invalid duration \"{text}\": no unit found after number {number}");
            switch (text[i])
            {
                case 'y': years = number; break;
                case 'm': months = number; break;
                case 'd': days = number; break;
                case 'h': hours = number; break;
                default: throw new FormatException($"invalid duration \"{text}\": invalid unit '{text[i]}' found after number {number}");
            }
            i++;
        }
        return new RetentionDuration(years, months, days, hours);
    }

    public override string ToString()
    {
        var s = "";
        if (Years != 0) s += $"{Years}y";
        if (Months != 0) s += $"{Months}m";
        if (Days != 0) s += $"{Days}d";
        if (Hours != 0) s += $"{Hours}h";
        return s;
    }

    /// <summary>
    /// Go's t.AddDate(-y, -m, -d).Add(-h hours): the calendar arithmetic runs on the wall clock of the time's
    /// own zone (normalizing overflow as Go does, so 31 March minus a month is 3 March), the hours on the instant.
    /// </summary>
    public DateTimeOffset SubtractFrom(GoTime time)
    {
        var t = time.ToDateTimeOffset();
        var wall = t.DateTime;
        long monthIndex = wall.Year * 12L + (wall.Month - 1) - Months - 12L * Years;
        int year = (int)Math.Floor(monthIndex / 12.0);
        int month = (int)(monthIndex - year * 12L) + 1;
        var shifted = new DateTime(year, month, 1).AddDays(wall.Day - 1 - Days).Add(wall.TimeOfDay);
        // Times in the machine's zone keep their wall clock across a DST change, as Go's Local does.
        var offset = TimeZoneInfo.Local.GetUtcOffset(t) == t.Offset ? TimeZoneInfo.Local.GetUtcOffset(shifted) : t.Offset;
        return new DateTimeOffset(shifted, offset).AddHours(-Hours);
    }
}
