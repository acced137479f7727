using System.Globalization;

namespace Lifeboat.Engine.Storage;

/// <summary>
/// Which storage faults to inject and how often (<see cref="FaultInjectingBackend"/>), for testing Lifeboat itself:
/// parsed from <c>LIFEBOAT_FAULT_INJECTION</c>, e.g. <c>seed=7,error=0.05,flip=0.02,short-read=0.02,slow=0.1,lost-ack=0.05,full-after=20000000</c>.
/// Each probability applies per backend call (a read, a save, a delete, a listing, a stat).
/// </summary>
public sealed record FaultPlan
{
    public const string EnvironmentVariable = "LIFEBOAT_FAULT_INJECTION";

    public int Seed { get; init; }
    /// <summary>The call fails with a transient error before it reaches storage.</summary>
    public double Error { get; init; }
    /// <summary>A read returns less than was asked for: a stream ends early, a whole-file read is cut short.</summary>
    public double ShortRead { get; init; }
    /// <summary>A read returns one bit flipped (storage or the line damaged it; nothing on storage changes).</summary>
    public double BitFlip { get; init; }
    /// <summary>The call waits <see cref="SlowBy"/> first.</summary>
    public double Slow { get; init; }
    public TimeSpan SlowBy { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>A save or delete reaches storage, and then reports failure.</summary>
    public double LostAck { get; init; }
    /// <summary>Saves fail with "no space left on device" once this many bytes were saved through this process.</summary>
    public long? FullAfterBytes { get; init; }
    /// <summary>Only these file types see faults; null for all.</summary>
    public IReadOnlySet<FileType>? Types { get; init; }
    /// <summary>A file that gets one line per injected fault, so a test knows what was done to the run.</summary>
    public string? LogFile { get; init; }

    /// <summary>The plan a LIFEBOAT_FAULT_INJECTION value names; null when unset or empty.</summary>
    public static FaultPlan? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var plan = new FaultPlan();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = item.IndexOf('=');
            if (eq <= 0) throw Invalid(item, "want key=value");
            string key = item[..eq], value = item[(eq + 1)..];
            plan = key switch
            {
                "seed" => plan with { Seed = Integer(item, value) },
                "error" => plan with { Error = Probability(item, value) },
                "short-read" => plan with { ShortRead = Probability(item, value) },
                "flip" => plan with { BitFlip = Probability(item, value) },
                "slow" => plan with { Slow = Probability(item, value) },
                "slow-ms" => plan with { SlowBy = TimeSpan.FromMilliseconds(Integer(item, value)) },
                "lost-ack" => plan with { LostAck = Probability(item, value) },
                "full-after" => plan with { FullAfterBytes = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : throw Invalid(item, "want a number of bytes") },
                "types" => plan with { Types = value.Split('+').Select(t => Type(item, t)).ToHashSet() },
                "log" => plan with { LogFile = value },
                _ => throw Invalid(item, "known keys: seed, error, short-read, flip, slow, slow-ms, lost-ack, full-after, types, log"),
            };
        }
        return plan;
    }

    private static FileType Type(string item, string name) => name switch
    {
        "config" => FileType.Config,
        "keys" => FileType.Key,
        "locks" => FileType.Lock,
        "snapshots" => FileType.Snapshot,
        "index" => FileType.Index,
        "data" => FileType.Pack,
        _ => throw Invalid(item, "types are config, keys, locks, snapshots, index, data joined by +"),
    };

    private static int Integer(string item, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw Invalid(item, "want a whole number");

    private static double Probability(string item, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) && p is >= 0 and <= 1 ? p : throw Invalid(item, "want a probability from 0 to 1");

    private static BackendException Invalid(string item, string why) =>
        new(BackendErrorKind.Permanent, $"invalid {EnvironmentVariable} item \"{item}\": {why}");
}
