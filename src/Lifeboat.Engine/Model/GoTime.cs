using System.Diagnostics.CodeAnalysis;

namespace Lifeboat.Engine.Model;

/// <summary>
/// A Go <c>time.Time</c> as restic stores it: an instant with nanosecond precision plus the UTC offset it was written
/// with. .NET's DateTimeOffset holds only 100 ns ticks, which would change tree bytes (and so tree IDs) on a round trip.
/// default(GoTime) is Go's zero time, 0001-01-01T00:00:00Z, so new nodes serialize like Go's zero values.
/// </summary>
public readonly struct GoTime : IEquatable<GoTime>, IComparable<GoTime>
{
    private const long UnixToYear1Seconds = 62_135_596_800; // seconds from 0001-01-01 to 1970-01-01
    private const int NanosPerSecond = 1_000_000_000;
    /// <summary>Longest text ToString produces: "9999-12-31T23:59:59.999999999-hh:mm" (an offset of 100 h or more adds digits).</summary>
    internal const int MaxFormattedLength = 40;

    private readonly long _secondsSinceYear1; // relative to year 1 so that default(GoTime) == Go's zero time
    private readonly int _nanoseconds;
    private readonly int _offsetSeconds;

    public GoTime(long unixSeconds, int nanoseconds, int offsetSeconds)
    {
        if ((uint)nanoseconds >= NanosPerSecond)
        {
            unixSeconds += Math.DivRem(nanoseconds, NanosPerSecond, out int rem);
            if (rem < 0) { rem += NanosPerSecond; unixSeconds--; }
            nanoseconds = rem;
        }
        _secondsSinceYear1 = unchecked(unixSeconds + UnixToYear1Seconds);
        _nanoseconds = nanoseconds;
        _offsetSeconds = offsetSeconds;
    }

    public long UnixSeconds => unchecked(_secondsSinceYear1 - UnixToYear1Seconds);
    public int Nanoseconds => _nanoseconds;
    public int OffsetSeconds => _offsetSeconds;

    /// <summary>Go's zero time, "0001-01-01T00:00:00Z".</summary>
    public static GoTime Zero => default;
    public bool IsZero => _secondsSinceYear1 == 0 && _nanoseconds == 0;

    /// <summary>Nanoseconds since the Unix epoch, as Go's UnixNano (wraps outside ±292 years like Go).</summary>
    public long UnixNanoseconds => unchecked(UnixSeconds * NanosPerSecond + _nanoseconds);

    public static GoTime Now()
    {
        var utc = DateTime.UtcNow;
        long ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
        return new GoTime(seconds, (int)(rem * 100), (int)TimeZoneInfo.Local.GetUtcOffset(utc).TotalSeconds);
    }

    /// <summary>Like Go's time.Unix: the instant with the local offset in effect at that instant.</summary>
    public static GoTime FromUnix(long unixSeconds, long nanoseconds)
    {
        if ((ulong)nanoseconds >= NanosPerSecond)
        {
            unixSeconds += Math.DivRem(nanoseconds, NanosPerSecond, out long rem);
            if (rem < 0) { rem += NanosPerSecond; unixSeconds--; }
            nanoseconds = rem;
        }
        return new GoTime(unixSeconds, (int)nanoseconds, LocalOffsetAt(unixSeconds));
    }

    /// <summary>The local UTC offset at an instant; instants outside DateTime's range use the offset at its nearest end.</summary>
    public static int LocalOffsetAt(long unixSeconds)
    {
        const long minUnix = -UnixToYear1Seconds, maxUnix = 253_402_300_799 - 86_400 * 2; // keep clear of DateTime.MaxValue
        long clamped = Math.Clamp(unixSeconds, minUnix + 86_400 * 2, maxUnix);
        var utc = new DateTime(DateTime.UnixEpoch.Ticks + clamped * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        return (int)TimeZoneInfo.Local.GetUtcOffset(utc).TotalSeconds;
    }

    public static GoTime FromDateTimeOffset(DateTimeOffset value)
    {
        long ticks = value.UtcTicks - DateTime.UnixEpoch.Ticks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
        if (rem < 0) { rem += TimeSpan.TicksPerSecond; seconds--; }
        return new GoTime(seconds, (int)(rem * 100), (int)(value.Offset.Ticks / TimeSpan.TicksPerSecond));
    }

    /// <summary>Truncated to 100 ns; the offset is truncated to whole minutes, the most DateTimeOffset can hold.</summary>
    public DateTimeOffset ToDateTimeOffset()
    {
        long utcTicks = DateTime.UnixEpoch.Ticks + UnixSeconds * TimeSpan.TicksPerSecond + _nanoseconds / 100;
        var offset = TimeSpan.FromMinutes(_offsetSeconds / 60);
        return new DateTimeOffset(new DateTime(utcTicks, DateTimeKind.Utc)).ToOffset(offset);
    }

    public static GoTime Parse(string rfc3339) =>
        TryParse(rfc3339, out var t) ? t : throw new FormatException($"invalid RFC 3339 time \"{rfc3339}\"");

    public static bool TryParse(ReadOnlySpan<char> s, out GoTime t)
    {
        // Times are ASCII; a non-ASCII char simply fails the digit checks below.
        Span<byte> b = stackalloc byte[64];
        t = default;
        if (s.Length > b.Length) return false;
        for (int i = 0; i < s.Length; i++) b[i] = s[i] < 0x80 ? (byte)s[i] : (byte)0xFF;
        return TryParseUtf8(b[..s.Length], out t);
    }

    /// <summary>RFC 3339 as Go's time.Parse(RFC3339) accepts it: any number of fraction digits (extra ones truncated), '.' or ','.</summary>
    public static bool TryParseUtf8(ReadOnlySpan<byte> s, out GoTime t)
    {
        t = default;
        // YYYY-MM-DDTHH:MM:SS
        if (s.Length < 20) return false;
        if (!Digits(s, 0, 4, out int year) || s[4] != '-' || !Digits(s, 5, 2, out int month) || s[7] != '-'
            || !Digits(s, 8, 2, out int day) || (s[10] | 0x20) != 't' || !Digits(s, 11, 2, out int hour) || s[13] != ':'
            || !Digits(s, 14, 2, out int minute) || s[16] != ':' || !Digits(s, 17, 2, out int second))
            return false;
        if (month is < 1 or > 12 || day < 1 || day > DaysIn(year, month) || hour > 23 || minute > 59 || second > 59) return false;
        int i = 19;
        int nanos = 0;
        if (s[i] is (byte)'.' or (byte)',')
        {
            i++;
            int digits = 0;
            while (i < s.Length && (uint)(s[i] - '0') <= 9)
            {
                if (digits < 9) { nanos = nanos * 10 + (s[i] - '0'); digits++; }
                i++;
            }
            if (digits == 0) return false;
            for (; digits < 9; digits++) nanos *= 10;
        }
        if (i >= s.Length) return false;
        int offset;
        if ((s[i] | 0x20) == 'z')
        {
            offset = 0;
            i++;
        }
        else if (s[i] is (byte)'+' or (byte)'-')
        {
            if (s.Length - i < 6 || !Digits(s, i + 1, 2, out int oh) || s[i + 3] != ':' || !Digits(s, i + 4, 2, out int om) || om > 59)
                return false;
            offset = (oh * 60 + om) * 60;
            if (s[i] == '-') offset = -offset;
            i += 6;
        }
        else return false;
        if (i != s.Length) return false;
        long local = DaysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        t = new GoTime(local - offset, nanos, offset);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        for (int i = start; i < start + count; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            value = value * 10 + (int)d;
        }
        return true;
    }

    /// <summary>Go's RFC3339Nano after restic's FixTime (years clamped to 0..9999 in the stored offset's calendar).</summary>
    public override string ToString()
    {
        Span<byte> b = stackalloc byte[MaxFormattedLength];
        int n = FormatUtf8(b);
        return System.Text.Encoding.ASCII.GetString(b[..n]);
    }

    /// <summary>Writes the ToString text as ASCII bytes; the destination needs MaxFormattedLength bytes.</summary>
    internal int FormatUtf8(Span<byte> b)
    {
        // Int128 so that extreme instants plus the offset cannot overflow.
        Int128 local = (Int128)UnixSeconds + _offsetSeconds;
        var days = (long)Int128.DivRem(local, 86_400).Quotient;
        var secondOfDay = (int)(local - (Int128)days * 86_400);
        if (secondOfDay < 0) { secondOfDay += 86_400; days--; }
        CivilFromDays(days, out long year, out int month, out int day);
        // restic's FixTime: AddDate shifting only the year; Feb 29 of a leap year > 9999 normalizes to Mar 1, 9999.
        if (year < 0) year = 0;
        else if (year > 9999)
        {
            year = 9999;
            if (month == 2 && day == 29) { month = 3; day = 1; }
        }
        int p = 0;
        Put(b, ref p, (int)year, 4); b[p++] = (byte)'-';
        Put(b, ref p, month, 2); b[p++] = (byte)'-';
        Put(b, ref p, day, 2); b[p++] = (byte)'T';
        Put(b, ref p, secondOfDay / 3600, 2); b[p++] = (byte)':';
        Put(b, ref p, secondOfDay / 60 % 60, 2); b[p++] = (byte)':';
        Put(b, ref p, secondOfDay % 60, 2);
        if (_nanoseconds != 0)
        {
            b[p++] = (byte)'.';
            int ns = _nanoseconds, digits = 9;
            while (ns % 10 == 0) { ns /= 10; digits--; }
            Put(b, ref p, ns, digits);
        }
        if (_offsetSeconds == 0) b[p++] = (byte)'Z';
        else
        {
            // Go prints whole minutes only (seconds of the offset are dropped), hours with at least two digits.
            int zone = _offsetSeconds / 60;
            b[p++] = zone < 0 ? (byte)'-' : (byte)'+';
            zone = Math.Abs(zone);
            int hours = zone / 60;
            Put(b, ref p, hours, hours >= 100 ? (hours >= 1000 ? 4 : 3) : 2);
            b[p++] = (byte)':';
            Put(b, ref p, zone % 60, 2);
        }
        return p;
    }

    private static void Put(Span<byte> b, ref int p, int value, int width)
    {
        for (int i = width - 1; i >= 0; i--)
        {
            b[p + i] = (byte)('0' + value % 10);
            value /= 10;
        }
        p += width;
    }

    private static bool IsLeap(long year) => year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    private static int DaysIn(int year, int month) =>
        month == 2 ? (IsLeap(year) ? 29 : 28) : month is 4 or 6 or 9 or 11 ? 30 : 31;

    // Proleptic Gregorian calendar conversions (H. Hinnant's days_from_civil / civil_from_days), valid for any long year.
    private static long DaysFromCivil(long y, int m, int d)
    {
        y -= m <= 2 ? 1 : 0;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - era * 400;
        long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }

    private static void CivilFromDays(long z, out long year, out int month, out int day)
    {
        z += 719_468;
        long era = (z >= 0 ? z : z - 146_096) / 146_097;
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        day = (int)(doy - (153 * mp + 2) / 5 + 1);
        month = (int)(mp < 10 ? mp + 3 : mp - 9);
        year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    }

    /// <summary>Same instant, ignoring the offset (Go's Time.Equal).</summary>
    public bool InstantEquals(GoTime other) => _secondsSinceYear1 == other._secondsSinceYear1 && _nanoseconds == other._nanoseconds;

    /// <summary>Same instant and same offset: equal values serialize to equal bytes.</summary>
    public bool Equals(GoTime other) => InstantEquals(other) && _offsetSeconds == other._offsetSeconds;
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is GoTime other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(_secondsSinceYear1, _nanoseconds, _offsetSeconds);

    /// <summary>Orders by instant; equal instants with different offsets order by offset so that the order is total.</summary>
    public int CompareTo(GoTime other)
    {
        int c = _secondsSinceYear1.CompareTo(other._secondsSinceYear1);
        if (c != 0) return c;
        c = _nanoseconds.CompareTo(other._nanoseconds);
        return c != 0 ? c : _offsetSeconds.CompareTo(other._offsetSeconds);
    }

    public static bool operator ==(GoTime left, GoTime right) => left.Equals(right);
    public static bool operator !=(GoTime left, GoTime right) => !left.Equals(right);
    public static bool operator <(GoTime left, GoTime right) => left.CompareTo(right) < 0;
    public static bool operator >(GoTime left, GoTime right) => left.CompareTo(right) > 0;
    public static bool operator <=(GoTime left, GoTime right) => left.CompareTo(right) <= 0;
    public static bool operator >=(GoTime left, GoTime right) => left.CompareTo(right) >= 0;
}
