using Lifeboat.Stack.Containers;

namespace Lifeboat.Stack.Scenarios;

/// <summary>The one place where the stack's outside services are plugged in.</summary>
public static class StackServices
{
    /// <summary>
    /// Makes the container control that <c>consistency: stop</c> uses; called only when an app needs it.
    /// The Docker Engine API at $DOCKER_HOST, else /var/run/docker.sock.
    /// </summary>
    public static Func<IContainerControl> ContainerControlFactory { get; set; } = DockerContainerControl.FromEnvironment;
}
