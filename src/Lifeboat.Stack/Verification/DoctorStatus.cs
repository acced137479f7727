namespace Lifeboat.Stack.Verification;

/// <summary>How one checklist item came out.</summary>
public enum DoctorStatus
{
    Pass,
    /// <summary>Works, but needs attention (a partial snapshot, no password source for scheduled runs).</summary>
    Warn,
    Fail,
    /// <summary>
    /// Could not be checked because an item it depends on failed (that item says why), or because what it needs is not
    /// there (Docker not reachable: the containers items say so themselves).
    /// </summary>
    Skip,
}
