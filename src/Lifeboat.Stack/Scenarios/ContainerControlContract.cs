// MERGE NOTE: a copy of the contract that src/Lifeboat.Stack/Containers/ (IContainerControl.cs, ContainerState.cs)
// defines on its own branch, kept here only so that this branch compiles before that work lands.
// Delete this file when merging with Containers/: the types there are the same, name for name.
namespace Lifeboat.Stack.Containers;

public sealed record ContainerState(string Name, bool Exists, bool Running);

public interface IContainerControl
{
    Task<ContainerState> InspectAsync(string name, CancellationToken cancellationToken);
    Task StopAsync(string name, CancellationToken cancellationToken);   // graceful stop (docker stop semantics, 10 s timeout)
    Task StartAsync(string name, CancellationToken cancellationToken);
}
