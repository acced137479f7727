namespace Lifeboat.Stack.Containers;

/// <summary>What the Docker daemon says about one container, looked up by name.</summary>
/// <param name="Name">The name that was asked for.</param>
/// <param name="Exists">False when the daemon has no container of that name.</param>
/// <param name="Running">True while its main process runs (a paused container counts as running).</param>
public sealed record ContainerState(string Name, bool Exists, bool Running)
{
    /// <summary>The host paths mounted into the container (bind mounts and volumes); null when not known.</summary>
    public IReadOnlyList<string>? MountSources { get; init; }
}
