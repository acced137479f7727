namespace Lifeboat.Stack.Configuration;

/// <summary>hooks.restore: the commands run around an in-place restore or a rebuild, in the order of the file.</summary>
public sealed record RestoreHooks
{
    /// <summary>Before anything is written; a failure stops the restore.</summary>
    public IReadOnlyList<HookConfig> Before { get; init; } = [];
    /// <summary>After the files are in place and the containers started again.</summary>
    public IReadOnlyList<HookConfig> After { get; init; } = [];
}
