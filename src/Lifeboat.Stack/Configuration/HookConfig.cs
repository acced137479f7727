namespace Lifeboat.Stack.Configuration;

/// <summary>
/// One command run around a job: an argv run without a shell, or (<see cref="Shell"/>) a script for /bin/sh -c.
/// Exactly one of <see cref="Command"/> and <see cref="Shell"/> is set.
/// </summary>
public sealed record HookConfig
{
    /// <summary>The default timeout; a hook still running then is killed with its whole process tree.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The program and its arguments; null for a shell hook.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>The script given to /bin/sh -c; null for a command hook.</summary>
    public string? Shell { get; init; }
    public TimeSpan Timeout { get; init; } = DefaultTimeout;
    /// <summary>The hook's line in the file.</summary>
    public int Line { get; init; }

    /// <summary>The hook as a user recognises it in a message: the command's words, or the script.</summary>
    public string Display => Shell ?? string.Join(' ', Command!.Select(w => w.Length == 0 || w.Any(char.IsWhiteSpace) ? $"\"{w}\"" : w));
}
