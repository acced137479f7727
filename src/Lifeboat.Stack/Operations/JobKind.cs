namespace Lifeboat.Stack.Operations;

/// <summary>The jobs <c>schedule:</c> can name, one key each in lifeboat.yaml; and the restore, asked for only from the dashboard.</summary>
public enum JobKind
{
    Backup,
    Forget,
    Prune,
    Check,
    Verify,
    /// <summary>`lifeboat restore APP ...`: started from the dashboard only; schedule: has no key for it (a restore is never timed).</summary>
    Restore,
}
