using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Maintenance;

/// <summary>Compares two times as instants, as Go's Before and After do (GoTime's own order also tells offsets apart).</summary>
internal static class Instant
{
    public static int Compare(GoTime a, GoTime b)
    {
        int c = a.UnixSeconds.CompareTo(b.UnixSeconds);
        return c != 0 ? c : a.Nanoseconds.CompareTo(b.Nanoseconds);
    }
}
