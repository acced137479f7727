namespace Lifeboat.Engine.Storage;

/// <summary>
/// How transient failures are retried: capped exponential backoff with jitter. The defaults are restic's: 500 ms first,
/// times 1.5 each time, at most 60 s between tries, ±50 % jitter, 10 retries, 15 minutes in all.
/// </summary>
public sealed record RetryPolicy
{
    public static RetryPolicy Default { get; } = new();

    public int MaxRetries { get; init; } = 10;
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    public double Multiplier { get; init; } = 1.5;
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);
    public double Jitter { get; init; } = 0.5;
    public TimeSpan MaxElapsed { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the first).</summary>
    public TimeSpan Delay(int retry)
    {
        double baseMs = Math.Min(InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, retry - 1), MaxDelay.TotalMilliseconds);
        double factor = 1 + Jitter * (2 * Random.Shared.NextDouble() - 1);
        return TimeSpan.FromMilliseconds(Math.Max(0, baseMs * factor));
    }
}

/// <summary>One retry about to happen, for the user to see (restic prints these on stderr).</summary>
public sealed record RetryNotice(string Operation, FileType Type, string Name, int Retry, TimeSpan Delay, Exception Error)
{
    /// <summary>restic's wording: <c>Save(&lt;data/0123abcd&gt;) returned error, retrying after 552ms: …</c>.</summary>
    public override string ToString() =>
        $"{Operation}({BackendExtensions.Handle(Type, Name)}) returned error, retrying after {(int)Delay.TotalMilliseconds}ms: {Error.Message}";
}
