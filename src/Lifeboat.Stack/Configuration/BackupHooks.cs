namespace Lifeboat.Stack.Configuration;

/// <summary>hooks.backup: the commands run around a backup, each list in the order of the file.</summary>
public sealed record BackupHooks
{
    /// <summary>Before anything is touched; a failure skips the backup (of the app, or of every app for the global list).</summary>
    public IReadOnlyList<HookConfig> Before { get; init; } = [];
    /// <summary>After the snapshot is saved (globally: after every app, when none failed).</summary>
    public IReadOnlyList<HookConfig> After { get; init; } = [];
    /// <summary>When the backup failed (its before or after hook included).</summary>
    public IReadOnlyList<HookConfig> OnFailure { get; init; } = [];
    /// <summary>Always, last; also on Ctrl-C or SIGTERM, then with a short timeout.</summary>
    public IReadOnlyList<HookConfig> Finally { get; init; } = [];
}
