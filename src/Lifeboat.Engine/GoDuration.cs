using System.Globalization;
using System.Text;

namespace Lifeboat.Engine;

/// <summary>
/// Go's time.ParseDuration and Duration.String, which restic's duration options (--retry-lock, rclone.timeout) take
/// and print: "90s", "1m30s", "1.5h", "500ms", "0"; printed as Go does ("1m30s", "1h0m0s", "500ms", "0s").
/// Precision is .NET's tick (100 ns), not Go's nanosecond.
/// </summary>
public static class GoDuration
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    /// <summary>A sign, then one or more decimal numbers each with a unit (ns, us, µs, ms, s, m, h); "0" alone is zero.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text.AsSpan();
        bool negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s.SequenceEqual("0")) return true;
        if (s.Length == 0) return false;
        decimal ticks = 0;
        while (s.Length > 0)
        {
            int number = 0;
            while (number < s.Length && (char.IsAsciiDigit(s[number]) || s[number] == '.')) number++;
            // Go wants a digit on at least one side of the point
            if (number == 0 || (number == 1 && s[0] == '.')) return false;
            if (!decimal.TryParse(s[..number], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)) return false;
            s = s[number..];
            int unit = 0;
            while (unit < s.Length && s[unit] != '.' && !char.IsAsciiDigit(s[unit])) unit++;
            long perUnit = s[..unit] switch
            {
                "ns" => 0, // below a tick: counted as a fraction of one
                "us" or "µs" or "μs" => TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => -1,
            };
            if (perUnit < 0) return false;
            ticks += perUnit == 0 ? value / 100 : value * perUnit;
            if (ticks > TimeSpan.MaxValue.Ticks) return false;
            s = s[unit..];
        }
        duration = TimeSpan.FromTicks((long)decimal.Round(ticks));
        if (negative) duration = -duration;
        return true;
    }

    /// <summary>Go's Duration.String: "0s", "1.5s", "1m30s", "2h0m0s", and below a second "500ms", "1.5µs".</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero) return "0s";
        var sb = new StringBuilder();
        if (duration < TimeSpan.Zero)
        {
            sb.Append('-');
            duration = duration.Duration();
        }
        long ticks = duration.Ticks;
        if (ticks < TimeSpan.TicksPerSecond)
        {
            if (ticks < TicksPerMicrosecond) return sb.Append(ticks * 100).Append("ns").ToString();
            if (ticks < TimeSpan.TicksPerMillisecond) return sb.Append(Fraction(ticks, TicksPerMicrosecond)).Append("µs").ToString();
            return sb.Append(Fraction(ticks, TimeSpan.TicksPerMillisecond)).Append("ms").ToString();
        }
        long hours = ticks / TimeSpan.TicksPerHour;
        long minutes = ticks % TimeSpan.TicksPerHour / TimeSpan.TicksPerMinute;
        long secondTicks = ticks % TimeSpan.TicksPerMinute;
        if (hours > 0) sb.Append(hours).Append('h');
        if (hours > 0 || minutes > 0) sb.Append(minutes).Append('m');
        return sb.Append(Fraction(secondTicks, TimeSpan.TicksPerSecond)).Append('s').ToString();
    }

    /// <summary>value/unit with the decimals it needs and no trailing zeros, as Go prints them.</summary>
    private static string Fraction(long value, long unit)
    {
        var whole = (value / unit).ToString(CultureInfo.InvariantCulture);
        long rest = value % unit;
        if (rest == 0) return whole;
        int digits = (int)Math.Round(Math.Log10(unit));
        return whole + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
