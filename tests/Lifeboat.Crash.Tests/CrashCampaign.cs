using System.Globalization;

namespace Lifeboat.Crash.Tests;

/// <summary>
/// The campaign's settings, from the environment: LIFEBOAT_CRASH_RUNS (the total number of kills over all
/// operations; default 112, the CI run), LIFEBOAT_CRASH_SEED (default: drawn and printed, so that a failure can
/// be replayed) and LIFEBOAT_CRASH_REPORT (a file each series appends its figures line to).
/// </summary>
public static class CrashCampaign
{
    /// <summary>The CI run's kills per operation; they add up to <see cref="CiTotal"/>.</summary>
    private static readonly Dictionary<string, int> CiRuns = new()
    {
        ["backup"] = 20, ["stack-backup"] = 15, ["forget"] = 15, ["prune"] = 15, ["copy"] = 15,
        ["restore-in-place"] = 15, ["rebuild"] = 13, ["daemon"] = 4,
    };

    public static int CiTotal => CiRuns.Values.Sum();

    /// <summary>The seed of the whole campaign; each operation's series draws from its own generator seeded from it.</summary>
    public static int Seed { get; } = Environment.GetEnvironmentVariable("LIFEBOAT_CRASH_SEED") is { Length: > 0 } text
        ? int.Parse(text, CultureInfo.InvariantCulture)
        : Random.Shared.Next();

    /// <summary>The kills for one operation: its CI share, scaled to LIFEBOAT_CRASH_RUNS when given.</summary>
    public static int RunsFor(string operation)
    {
        int ci = CiRuns[operation];
        if (Environment.GetEnvironmentVariable("LIFEBOAT_CRASH_RUNS") is not { Length: > 0 } text) return ci;
        int total = int.Parse(text, CultureInfo.InvariantCulture);
        return Math.Max(1, (int)Math.Round((double)ci * total / CiTotal));
    }

    /// <summary>The operation's generator: the same seed gives the same kill delays and tree changes.</summary>
    public static Random RandomFor(string operation) => new(HashCode.Combine(Seed, StableHash(operation)));

    private static int StableHash(string text)
    {
        int hash = 17;
        foreach (char c in text) hash = hash * 31 + c;
        return hash;
    }

    private static readonly object ReportGate = new();

    /// <summary>Writes a figures line to the test's output, and appends it to LIFEBOAT_CRASH_REPORT when set.</summary>
    public static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.Error.WriteLine(line);
        if (Environment.GetEnvironmentVariable("LIFEBOAT_CRASH_REPORT") is { Length: > 0 } path)
            lock (ReportGate) File.AppendAllText(path, line + "\n");
    }
}
