using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Hooks;

/// <summary>How one hook ended: its exit code, or that it timed out or could not start.</summary>
public sealed record HookResult
{
    /// <summary>The hook's name as the file spells it: backup.before, restore.after, ...</summary>
    public required string Name { get; init; }
    public required HookConfig Hook { get; init; }
    /// <summary>Null when the hook did not exit by itself (timed out, could not start).</summary>
    public int? ExitCode { get; init; }
    public bool TimedOut { get; init; }
    /// <summary>Why the hook could not be started; null when it ran.</summary>
    public string? StartError { get; init; }
    /// <summary>The last non-empty line the hook wrote to stderr, the usual place of its reason.</summary>
    public string? LastErrorLine { get; init; }

    public bool Succeeded => ExitCode == 0;

    /// <summary>"hook backup.before (pg_isready -h db) failed: exit code 2: no response", one line.</summary>
    public string Describe()
    {
        var what = $"hook {Name} ({Hook.Display})";
        if (StartError is not null) return $"{what} could not start: {StartError}";
        var line = TimedOut ? $"{what} timed out after {HookDurations.Format(Hook.Timeout)}" : $"{what} failed: exit code {ExitCode}";
        return LastErrorLine is null ? line : $"{line}: {LastErrorLine}";
    }
}
