namespace Lifeboat.Stack.Dumps;

public enum DumpLoadOutcome
{
    Loaded,
    /// <summary>The load program failed (or could not be started); the files restored before stay.</summary>
    Failed,
    /// <summary>A command: entry without restore-command: the dump is in the snapshot, to be loaded by hand.</summary>
    NotLoadable,
    /// <summary>rebuild: not loaded now (its container is not up, or no --replace-databases); the message says the command that loads it.</summary>
    Deferred,
}
