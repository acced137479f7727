namespace Lifeboat.Stack.Dumps;

/// <summary>
/// How one dump is loaded: <see cref="Before"/> in order (each with its own <see cref="DumpInvocation.Input"/>), then
/// <see cref="Load"/> fed the dump, then <see cref="After"/>; when one of the first two fails, <see cref="Cleanup"/>
/// (best effort: what was made on the way is removed). A failing <see cref="After"/> is not cleaned up after: it may
/// have replaced the target already, and what it left is all there is.
/// </summary>
public sealed record DumpLoadSteps
{
    public IReadOnlyList<DumpInvocation> Before { get; init; } = [];
    public required DumpInvocation Load { get; init; }
    public IReadOnlyList<DumpInvocation> After { get; init; } = [];
    public IReadOnlyList<DumpInvocation> Cleanup { get; init; } = [];
}
