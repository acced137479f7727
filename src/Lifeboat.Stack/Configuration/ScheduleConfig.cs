namespace Lifeboat.Stack.Configuration;

/// <summary>The schedule: section of lifeboat.yaml: which jobs the daemon runs when, in which time zone.</summary>
public sealed record ScheduleConfig
{
    /// <summary>How long a job waits for a live lock held by another process before it is reported as failed.</summary>
    public static readonly TimeSpan DefaultLockWait = TimeSpan.FromMinutes(30);

    /// <summary>The zone the cron expressions are read in (time-zone:, default the machine's).</summary>
    public required TimeZoneInfo TimeZone { get; init; }

    /// <summary>The IANA name as time-zone: gives it; null when the machine's zone is used.</summary>
    public string? TimeZoneName { get; init; }

    /// <summary>A run missed while the daemon was not running runs once at start-up (catch-up:, default true).</summary>
    public bool CatchUp { get; init; } = true;

    /// <summary>lock-wait:, see <see cref="DefaultLockWait"/>.</summary>
    public TimeSpan LockWait { get; init; } = DefaultLockWait;

    /// <summary>In the order of the file.</summary>
    public required IReadOnlyList<ScheduledJob> Jobs { get; init; }
}
