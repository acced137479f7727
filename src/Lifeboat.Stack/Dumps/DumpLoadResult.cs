namespace Lifeboat.Stack.Dumps;

/// <summary>How one dump's load went.</summary>
public sealed record DumpLoadResult
{
    public required DumpLoad Load { get; init; }

    public required DumpLoadOutcome Outcome { get; init; }

    /// <summary>The dump's size, fed to the load program.</summary>
    public long Bytes { get; init; }

    /// <summary>Why it failed or was not loaded (naming the dump, the database and the tool's last lines); null when loaded.</summary>
    public string? Message { get; init; }

    public bool Failed => Outcome == DumpLoadOutcome.Failed;
}
