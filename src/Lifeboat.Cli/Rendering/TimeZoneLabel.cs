namespace Lifeboat.Cli.Rendering;

/// <summary>
/// The name restic 0.19 gives the zone its local times are shown in (Go's time.Local): "local time" for the system's
/// zone (no $TZ), "UTC" for an empty, unknown or UTC $TZ, else $TZ itself ("Europe/Berlin").
/// </summary>
public static class TimeZoneLabel
{
    public static string Current() => For(System.Environment.GetEnvironmentVariable("TZ"), File.Exists("/etc/localtime"));

    internal static string For(string? tz, bool systemZoneExists)
    {
        if (tz is null) return systemZoneExists ? "local time" : "UTC";
        if (tz.StartsWith(':')) tz = tz[1..];
        if (tz.Length == 0 || tz == "UTC") return "UTC";
        if (tz.StartsWith('/'))
            return !File.Exists(tz) ? "UTC" : tz == "/etc/localtime" ? "local time" : tz;
        return TimeZoneInfo.TryFindSystemTimeZoneById(tz, out _) ? tz : "UTC";
    }
}
