using System.Globalization;

namespace Lifeboat.Cli.Rendering;

/// <summary>Numbers as restic prints them.</summary>
public static class Format
{
    public static string Bytes(long bytes)
    {
        double b = bytes;
        return b switch
        {
            >= 1L << 40 => string.Create(CultureInfo.InvariantCulture, $"{b / (1L << 40):0.000} TiB"),
            >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{b / (1L << 30):0.000} GiB"),
            >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{b / (1L << 20):0.000} MiB"),
            >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{b / (1L << 10):0.000} KiB"),
            _ => $"{bytes} B",
        };
    }

    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes}:{t.Seconds:00}";

    /// <summary>" ETA 1:23" for a known time left, nothing otherwise.</summary>
    public static string Eta(TimeSpan? left) => left is { } t ? " ETA " + Duration(t) : "";

    public static string Speed(long bytes, TimeSpan elapsed) =>
        elapsed.TotalSeconds <= 0 ? "" : Bytes((long)(bytes / elapsed.TotalSeconds)) + "/s";
}
