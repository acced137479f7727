namespace Lifeboat.Stack.Verification;

/// <summary>The steps of one app's restore test, in order.</summary>
public enum RestoreTestPhase
{
    Starting,
    Restoring,
    Verifying,
    CheckingDatabases,
    CheckingDumps,
    RemovingScratch,
}
