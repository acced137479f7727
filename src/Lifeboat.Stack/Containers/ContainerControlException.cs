namespace Lifeboat.Stack.Containers;

/// <summary>
/// A failure to control containers, told in one line for the person running the backup, e.g.
/// "docker: cannot stop container plex: no such container" or
/// "docker is not reachable at unix:///var/run/docker.sock: no socket at /var/run/docker.sock; is the Docker daemon running? (another socket: set DOCKER_HOST=...)".
/// </summary>
public sealed class ContainerControlException : Exception
{
    public ContainerControlException(string message) : base(message)
    {
    }

    public ContainerControlException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}
