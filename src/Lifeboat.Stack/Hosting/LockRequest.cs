namespace Lifeboat.Stack.Hosting;

/// <summary>What an operation needs of the repository lock.</summary>
/// <param name="Exclusive">An exclusive lock (prune, check, key remove), else a shared one.</param>
public sealed record LockRequest(bool Exclusive)
{
    /// <summary>Load the index under the lock, while the lock waits for its re-check (the wait then costs nothing).</summary>
    public bool LoadIndex { get; init; }
    /// <summary>Take no lock for this operation (a dry run that may go without).</summary>
    public bool Skip { get; init; }
    /// <summary>Other read-only loading to do the same way as the index (check's own index load).</summary>
    public Func<CancellationToken, Task>? WhileLocking { get; init; }
}
