using System.Globalization;

namespace Lifeboat.Stack.Verification;

/// <summary>Ages and limits as the doctor's lines show them.</summary>
public static class DoctorFormat
{
    /// <summary>"12 minutes", "5 hours", "3 days".</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero) age = TimeSpan.Zero; // a clock that ran behind: not older than now
        if (age < TimeSpan.FromMinutes(90)) return Plural((long)age.TotalMinutes, "minute");
        if (age < TimeSpan.FromHours(48)) return Plural((long)age.TotalHours, "hour");
        return Plural((long)age.TotalDays, "day");
    }

    /// <summary>A limit in the largest whole unit lifeboat.yaml accepts: 30d, 26h, 90m.</summary>
    public static string Limit(TimeSpan limit)
    {
        if (limit.Ticks % TimeSpan.TicksPerDay == 0) return $"{(long)limit.TotalDays}d";
        if (limit.Ticks % TimeSpan.TicksPerHour == 0) return $"{(long)limit.TotalHours}h";
        return $"{(long)limit.TotalMinutes}m";
    }

    public static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Plural(long n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
