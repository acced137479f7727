namespace Lifeboat.Stack.Containers;

/// <summary>Looks at, stops and starts containers by name. Errors are <see cref="ContainerControlException"/>s.</summary>
public interface IContainerControl
{
    /// <summary>The container's state; a missing container is <c>Exists = false</c>, not an error.</summary>
    Task<ContainerState> InspectAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Stops the container gracefully as <c>docker stop</c> does: SIGTERM (or the image's STOPSIGNAL), then SIGKILL
    /// after the container's own stop timeout, which is docker's default of 10 s unless the container was created
    /// with another (compose's stop_grace_period). Stopping a stopped container is not an error.
    /// </summary>
    Task StopAsync(string name, CancellationToken cancellationToken);

    /// <summary>Starts the container; starting a running container is not an error.</summary>
    Task StartAsync(string name, CancellationToken cancellationToken);
}
