namespace Lifeboat.Stack.Dumps;

/// <summary>
/// How one dump is loaded: <see cref="Before"/> in order, then <see cref="Load"/> fed the dump, then <see cref="After"/>;
/// when any of them fails, <see cref="Cleanup"/> (best effort: what was made on the way is removed).
/// </summary>
public sealed record DumpLoadSteps
{
    public IReadOnlyList<DumpStep> Before { get; init; } = [];
    public required DumpInvocation Load { get; init; }
    public IReadOnlyList<DumpStep> After { get; init; } = [];
    public IReadOnlyList<DumpStep> Cleanup { get; init; } = [];
}
