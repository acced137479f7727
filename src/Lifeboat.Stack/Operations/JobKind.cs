namespace Lifeboat.Stack.Operations;

/// <summary>The jobs <c>schedule:</c> can name, one key each in lifeboat.yaml.</summary>
public enum JobKind
{
    Backup,
    Forget,
    Prune,
    Check,
    Verify,
}
