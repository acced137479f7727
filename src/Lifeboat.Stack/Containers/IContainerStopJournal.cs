namespace Lifeboat.Stack.Containers;

/// <summary>
/// Told by a <see cref="ContainerStopScope"/> before it stops a container and after it started it again, so that a
/// process killed in between leaves a durable note of what it left stopped. Implementations never throw.
/// </summary>
public interface IContainerStopJournal
{
    /// <summary>The container is about to be stopped; returns once that is on record.</summary>
    void Stopping(string container);

    /// <summary>The container runs again.</summary>
    void Started(string container);
}
