using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.Verification;

namespace Lifeboat.Stack.Operations.Metrics;

/// <summary>One app in one repository; what is null is not known and is left out.</summary>
public sealed record AppMetrics
{
    public required string App { get; init; }
    /// <summary>Its snapshots in the repository (tagged app:NAME, of the stack's host).</summary>
    public long? Snapshots { get; init; }
    /// <summary>Its newest backup run recorded on this machine.</summary>
    public BackupRunRecord? LastBackup { get; init; }
    /// <summary>When its newest complete backup (not partial, not failed) finished.</summary>
    public DateTimeOffset? LastSuccess { get; init; }
    /// <summary>Its newest restore test (lifeboat verify) recorded on this machine.</summary>
    public RestoreTestRecord? LastRestoreTest { get; init; }
}
