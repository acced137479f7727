using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Stack.Configuration;

/// <summary>One app of the stack: what to back up, what to leave out, and which containers use it.</summary>
public sealed record AppConfig
{
    public required string Name { get; init; }
    /// <summary>Absolute, cleaned paths.</summary>
    public required IReadOnlyList<string> Paths { get; init; }
    /// <summary>restic exclude patterns, as written.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];
    public IReadOnlyList<string> Containers { get; init; } = [];
    public ConsistencyMode Consistency { get; init; } = ConsistencyMode.None;
    /// <summary>This app's forget policy; it replaces the stack's whole retention section, not key by key.</summary>
    public ForgetPolicy? Retention { get; init; }
    /// <summary>The commands run around this app's backup and restore (hooks:).</summary>
    public HookSet Hooks { get; init; } = HookSet.None;
    /// <summary>The databases (or programs' output) streamed into each of this app's snapshots (dumps:), in the order of the file.</summary>
    public IReadOnlyList<DumpConfig> Dumps { get; init; } = [];
    /// <summary>The line of the app's name in the file, and of each path (same order as Paths), for later errors.</summary>
    public int Line { get; init; }
    public IReadOnlyList<int> PathLines { get; init; } = [];

    /// <summary>The tag every snapshot of this app carries.</summary>
    public string Tag => AppTag(Name);

    public static string AppTag(string name) => "app:" + name;
}
