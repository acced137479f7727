using Lifeboat.Stack.Containers;
using Lifeboat.Stack.State;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// Keeps this process's stops of one app's containers in the <see cref="ContainerStopLog"/> until they run again. A
/// record that cannot be written does not stop the backup (the state directory is no reason to leave an app without
/// one): it is reported, and then only a kill of this very run would leave the container stopped, as before.
/// </summary>
public sealed class ContainerStopJournal(ContainerStopLog log, IContainerControl control, string app, Action<string>? warn) : IContainerStopJournal
{
    private readonly string _docker = DockerKey(control);

    /// <summary>The Docker daemon a control talks to, as the records name it: its endpoint (another control: its type).</summary>
    public static string DockerKey(IContainerControl control) =>
        control is DockerContainerControl docker ? docker.Endpoint.AbsoluteUri : control.GetType().Name;

    public void Stopping(string container) =>
        Guarded(() => log.Add(_docker, app, container, ProcessIdentity.Current, DateTimeOffset.UtcNow),
            $"could not record in {log.Database.FilePath} that container {container} is being stopped (if this run is killed, start it by hand)");

    public void Started(string container) =>
        Guarded(() => log.Remove(_docker, container, ProcessIdentity.Current),
            $"could not record in {log.Database.FilePath} that container {container} runs again");

    private void Guarded(Action write, string what)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is StackException or SqliteException or IOException or UnauthorizedAccessException)
        {
            warn?.Invoke($"{what}: {e.Message}");
        }
    }
}
