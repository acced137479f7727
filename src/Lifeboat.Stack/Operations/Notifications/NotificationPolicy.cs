namespace Lifeboat.Stack.Operations.Notifications;

/// <summary>
/// How hard a delivery is tried, and so how long a job can be held up by one: each channel gets
/// <see cref="Attempts"/> attempts of at most <see cref="AttemptTimeout"/>, with <see cref="Backoff"/> (doubling)
/// between them. The start event is awaited for at most <see cref="StartWait"/>, then finishes in the background.
/// </summary>
public sealed record NotificationPolicy
{
    public int Attempts { get; init; } = 3;
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan Backoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan StartWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest one delivery can take: every attempt timed out, every backoff waited.</summary>
    public TimeSpan MaxDeliveryTime
    {
        get
        {
            var total = AttemptTimeout * Attempts;
            for (int i = 0; i < Attempts - 1; i++) total += Backoff * (1 << i);
            return total;
        }
    }
}
