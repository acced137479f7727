namespace Lifeboat.Stack.Configuration;

/// <summary>hooks: of the stack or of one app: commands run around backups and restores.</summary>
public sealed record HookSet
{
    public static readonly HookSet None = new();

    public BackupHooks Backup { get; init; } = new();
    public RestoreHooks Restore { get; init; } = new();
}
