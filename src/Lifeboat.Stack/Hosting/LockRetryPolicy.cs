namespace Lifeboat.Stack.Hosting;

/// <summary>
/// How long to keep trying for a lock that another process holds (restic's --retry-lock), and how the waits grow:
/// restic's 5 seconds doubling up to a minute, never past the deadline.
/// </summary>
public sealed record LockRetryPolicy(TimeSpan Duration)
{
    public TimeSpan FirstWait { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(60);
}
