using System.Globalization;

namespace Lifeboat.Engine.Maintenance;

/// <summary>restic's prune options (0.14's, with 0.16's --repack-small and 0.18's --repack-smaller-than).</summary>
public sealed record PruneOptions
{
    /// <summary>How many unused bytes may remain, given the used bytes (from --max-unused).</summary>
    public Func<long, long> MaxUnusedBytes { get; init; } = used => (long)(5.0 / 95.0 * used);
    public long MaxRepackBytes { get; init; } = long.MaxValue;
    public bool RepackCacheableOnly { get; init; }
    public bool RepackUncompressed { get; init; }

    /// <summary>--repack-small (restic 0.16): packs below 80% of the pack size count as small, not only those below 1/25 of it.</summary>
    public bool RepackSmall { get; init; }

    /// <summary>--repack-smaller-than (restic 0.18): packs below this many bytes count as small; 0 for the default.</summary>
    public long SmallPackBytes { get; init; }
    public bool DryRun { get; init; }

    /// <summary>--max-unused: "unlimited", a percentage "5%", or a size "100M".</summary>
    public static Func<long, long> ParseMaxUnused(string text)
    {
        if (text == "unlimited") return _ => long.MaxValue;
        if (text.EndsWith('%'))
        {
            if (!double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double p))
                throw new FormatException($"invalid percentage \"{text}\" passed for --max-unused");
            if (p < 0) throw new FormatException("percentage must be above zero");
            if (p >= 100) throw new FormatException("percentage must be below 100");
            return used => (long)(p / (100 - p) * used);
        }
        long size = ParseSize(text, "--max-unused");
        return _ => size;
    }

    /// <summary>restic's parseSizeStr: a number with an optional k, m, g or t suffix (powers of 1024).</summary>
    public static long ParseSize(string text, string option)
    {
        if (text.Length == 0) throw new FormatException($"invalid size \"\" for {option}");
        long multiplier = char.ToLowerInvariant(text[^1]) switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, 'b' => 1, _ => 0 };
        var digits = multiplier == 0 ? text : text[..^1];
        if (multiplier == 0) multiplier = 1;
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > long.MaxValue / multiplier)
            throw new FormatException($"invalid size \"{text}\" for {option}: want a number with an optional k, M, G or T suffix");
        return n * multiplier;
    }
}
