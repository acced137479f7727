namespace Lifeboat.Stack.Verification;

/// <summary>The doctor's checklist, in the order it is shown.</summary>
public sealed record DoctorReport(IReadOnlyList<DoctorCheck> Items)
{
    /// <summary>Fail when any item failed, else warn when any warned, else pass. A skip does not count: it comes with a fail, or says itself why nothing could be checked.</summary>
    public DoctorStatus Status =>
        Items.Any(i => i.Status is DoctorStatus.Fail) ? DoctorStatus.Fail
        : Items.Any(i => i.Status is DoctorStatus.Warn) ? DoctorStatus.Warn
        : DoctorStatus.Pass;

    public int Count(DoctorStatus status) => Items.Count(i => i.Status == status);
}
