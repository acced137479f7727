namespace Lifeboat.Stack.Configuration;

/// <summary>The doctor section of lifeboat.yaml: how old the newest backup and the newest passed restore test may be.</summary>
public sealed record DoctorSettings
{
    /// <summary>A nightly backup plus two hours of slack.</summary>
    public static readonly TimeSpan DefaultBackupMaxAge = TimeSpan.FromHours(26);
    public static readonly TimeSpan DefaultRestoreTestMaxAge = TimeSpan.FromDays(30);

    public TimeSpan BackupMaxAge { get; init; } = DefaultBackupMaxAge;
    public TimeSpan RestoreTestMaxAge { get; init; } = DefaultRestoreTestMaxAge;
}
