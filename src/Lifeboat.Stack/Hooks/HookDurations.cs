using System.Globalization;

namespace Lifeboat.Stack.Hooks;

/// <summary>Time spans as the config writes them (1h30m, 5m, 30s).</summary>
public static class HookDurations
{
    public static string Format(TimeSpan span)
    {
        var text = "";
        if (span.Hours + span.Days * 24 is > 0 and var hours) text += hours.ToString(CultureInfo.InvariantCulture) + "h";
        if (span.Minutes > 0) text += span.Minutes.ToString(CultureInfo.InvariantCulture) + "m";
        if (span.Seconds > 0 || text.Length == 0) text += span.Seconds.ToString(CultureInfo.InvariantCulture) + "s";
        return text;
    }
}
