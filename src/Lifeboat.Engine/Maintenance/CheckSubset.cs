using System.Globalization;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// Which packs --read-data-subset reads, with restic 0.14's semantics: "n/t" takes the packs whose ID's first byte
/// is n-1 modulo t (so the t groups together cover every pack exactly once); "P%" a random P percent of the packs
/// (at least one); a size ("500M") a random share of the packs equal to that size's share of the repository.
/// </summary>
public abstract record CheckSubset
{
    private const int MaxBuckets = 256;

    public sealed record All : CheckSubset;
    public sealed record Bucket(int Number, int Total) : CheckSubset;
    public sealed record Percentage(double Percent) : CheckSubset;
    public sealed record Size(long Bytes) : CheckSubset;

    public static CheckSubset Parse(string text)
    {
        const string usage = "check flag --read-data-subset must have two positive integer values or be a percentage or a size, e.g. 1/5, 2.5% or 100M";
        var s = text.Trim();
        var slash = s.Split('/');
        if (slash.Length == 2)
        {
            if (!int.TryParse(slash[0], NumberStyles.None, CultureInfo.InvariantCulture, out int n) ||
                !int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out int t))
                throw new FormatException(usage);
            if (n < 1 || t < 1) throw new FormatException("check flag --read-data-subset=n/t values must be positive integers, and n <= t, e.g. --read-data-subset=1/2");
            if (n > t) throw new FormatException("check flag --read-data-subset=n/t must satisfy n <= t, e.g. --read-data-subset=1/2");
            if (t > MaxBuckets) throw new FormatException($"check flag --read-data-subset=n/t t must be at most {MaxBuckets}");
            return new Bucket(n, t);
        }
        if (s.EndsWith('%'))
        {
            if (!double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double p)) throw new FormatException(usage);
            if (p <= 0 || p > 100) throw new FormatException($"check flag --read-data-subset=x% x must be above 0.0% and at most 100.0%, got {s}");
            return new Percentage(p);
        }
        long bytes = ParseBytes(s) ?? throw new FormatException(usage);
        if (bytes <= 0) throw new FormatException("check flag --read-data-subset=size must be positive");
        return new Size(bytes);
    }

    /// <summary>restic's ParseBytes: a number with an optional K, M, G or T suffix (powers of 1024).</summary>
    private static long? ParseBytes(string s)
    {
        if (s.Length == 0) return null;
        long unit = char.ToUpperInvariant(s[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40, _ => 1 };
        var number = unit == 1 ? s : s[..^1];
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long value)) return null;
        return value * unit;
    }

    /// <summary>The packs to read, from every indexed pack and its size.</summary>
    public IReadOnlyList<Id> Select(IReadOnlyDictionary<Id, long> packs, Random? random = null)
    {
        switch (this)
        {
            case All:
                return packs.Keys.ToList();
            case Bucket b:
                return packs.Keys.Where(id => (id.ToArray()[0] % b.Total) == b.Number - 1).ToList();
            case Percentage p:
                return RandomShare(packs, p.Percent, random);
            case Size sz:
                long total = packs.Values.Sum();
                if (total == 0) return [];
                return RandomShare(packs, Math.Min(sz.Bytes, total) * 100.0 / total, random);
            default:
                throw new InvalidOperationException("unknown subset");
        }
    }

    private static List<Id> RandomShare(IReadOnlyDictionary<Id, long> packs, double percent, Random? random)
    {
        int count = (int)(packs.Count * (percent / 100.0));
        if (packs.Count > 0 && count < 1) count = 1;
        var all = packs.Keys.ToArray();
        (random ?? Random.Shared).Shuffle(all);
        return all.Take(count).ToList();
    }
}
