namespace Lifeboat.Stack.Operations;

/// <summary>
/// How a job ended. A warning (a partial backup with exit code 3, doctor warnings, a verify older than its limit) is
/// kept apart from a failure everywhere: in notifications, metrics and the run history.
/// </summary>
public enum JobOutcome
{
    Success,
    Warning,
    Failure,
}
