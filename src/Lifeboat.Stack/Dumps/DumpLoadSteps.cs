namespace Lifeboat.Stack.Dumps;

/// <summary>
/// How one dump is loaded: <see cref="Before"/> in order (each with its own <see cref="DumpInvocation.Input"/>), then
/// <see cref="Load"/> fed the dump, then <see cref="After"/>; when any of them fails, <see cref="Cleanup"/> (best
/// effort: what was made on the way is removed).
/// </summary>
public sealed record DumpLoadSteps
{
    public IReadOnlyList<DumpInvocation> Before { get; init; } = [];
    public required DumpInvocation Load { get; init; }
    public IReadOnlyList<DumpInvocation> After { get; init; } = [];
    public IReadOnlyList<DumpInvocation> Cleanup { get; init; } = [];
}
