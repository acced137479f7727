namespace Lifeboat.Cli.Rendering;

/// <summary>Numbers as restic prints them.</summary>
public static class Format
{
    /// <summary>restic's FormatBytes ("5.312 KiB").</summary>
    public static string Bytes(long bytes) => Lifeboat.Engine.ByteSize.Format(bytes);

    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes}:{t.Seconds:00}";

    /// <summary>" ETA 1:23" for a known time left, nothing otherwise.</summary>
    public static string Eta(TimeSpan? left) => left is { } t ? " ETA " + Duration(t) : "";

    public static string Speed(long bytes, TimeSpan elapsed) =>
        elapsed.TotalSeconds <= 0 ? "" : Bytes((long)(bytes / elapsed.TotalSeconds)) + "/s";
}
