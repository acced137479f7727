using System.Globalization;
using System.Text.RegularExpressions;
using Lifeboat.Engine.Model;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// restic's find -O/-N times: its eleven Go layouts ("2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05",
/// the same with " -0700" or " MST", the same five as "02.01.2006 ...", and "Mon Jan 2 15:04:05 -0700 MST 2006"),
/// read in local time unless an offset is given. As Go does, the hour may have one digit and fractional seconds may
/// follow the seconds. A zone abbreviation is taken as UTC: Go uses the local zone's offset only when the abbreviation
/// is the local zone's, and .NET has no abbreviations to compare with.
/// </summary>
public static partial class FindTimeParser
{
    [GeneratedRegex(@"^(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})(?: (?<h>\d{1,2}):(?<mi>\d{2})(?::(?<s>\d{2})(?<f>[.,]\d+)?(?: (?:(?<off>[+-]\d{4})|(?<zone>[A-Z]{3,5})))?)?)?$")]
    private static partial Regex Iso();

    [GeneratedRegex(@"^(?<d>\d{2})\.(?<mo>\d{2})\.(?<y>\d{4})(?: (?<h>\d{1,2}):(?<mi>\d{2})(?::(?<s>\d{2})(?<f>[.,]\d+)?(?: (?:(?<off>[+-]\d{4})|(?<zone>[A-Z]{3,5})))?)?)?$")]
    private static partial Regex German();

    [GeneratedRegex(@"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?<d>\d{1,2}) (?<h>\d{1,2}):(?<mi>\d{2}):(?<s>\d{2})(?<f>[.,]\d+)? (?<off>[+-]\d{4}) (?<zone>[A-Z]{3,5}) (?<y>\d{4})$")]
    private static partial Regex Unix();

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    public static GoTime Parse(string text)
    {
        var m = Iso().Match(text);
        if (!m.Success) m = German().Match(text);
        if (!m.Success) m = Unix().Match(text);
        if (m.Success && TryBuild(m) is { } time) return time;
        throw new CliException($"unable to parse time: \"{text}\"");
    }

    private static GoTime? TryBuild(Match m)
    {
        int Num(string group) => m.Groups[group].Success ? int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        int year = Num("y"), day = Num("d"), hour = Num("h"), minute = Num("mi"), second = Num("s");
        int month = m.Groups["mon"].Success ? Array.IndexOf(Months, m.Groups["mon"].Value) + 1 : Num("mo");
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return null;
        int nanos = 0;
        if (m.Groups["f"].Success)
        {
            var digits = m.Groups["f"].Value[1..];
            nanos = int.Parse(digits.Length > 9 ? digits[..9] : digits.PadRight(9, '0'), CultureInfo.InvariantCulture);
        }
        var wall = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        TimeSpan offset;
        if (m.Groups["off"].Success)
        {
            var o = m.Groups["off"].Value;
            offset = new TimeSpan(int.Parse(o[1..3], CultureInfo.InvariantCulture), int.Parse(o[3..5], CultureInfo.InvariantCulture), 0);
            if (o[0] == '-') offset = -offset;
        }
        else if (m.Groups["zone"].Success) offset = TimeSpan.Zero;
        else offset = TimeZoneInfo.Local.IsInvalidTime(wall) ? TimeZoneInfo.Local.BaseUtcOffset : TimeZoneInfo.Local.GetUtcOffset(wall);
        var instant = new DateTimeOffset(wall, offset);
        return new GoTime(instant.ToUnixTimeSeconds(), nanos, (int)offset.TotalSeconds);
    }
}
