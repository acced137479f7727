using Lifeboat.Stack.Containers;

namespace Lifeboat.Stack.Scenarios;

/// <summary>The one place where the stack's outside services are plugged in.</summary>
public static class StackServices
{
    /// <summary>
    /// Makes the container control that <c>consistency: stop</c> uses; called only when an app needs it.
    /// The integrator sets it to the Docker implementation:
    /// <c>StackServices.ContainerControlFactory = Lifeboat.Stack.Containers.DockerContainerControl.FromEnvironment;</c>
    /// </summary>
    public static Func<IContainerControl> ContainerControlFactory { get; set; } =
        () => throw new StackException("Docker control is not available in this build: consistency: stop cannot stop containers");
}
