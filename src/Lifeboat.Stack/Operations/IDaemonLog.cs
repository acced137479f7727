namespace Lifeboat.Stack.Operations;

/// <summary>The daemon's own messages beside the job lines (stale locks removed, lock waits, a refused reload); the CLI renders them.</summary>
public interface IDaemonLog
{
    void Info(string message);

    void Warn(string message);
}
