using Lifeboat.Stack.Containers;

namespace Lifeboat.Stack.Tests;

/// <summary>An in-memory stand-in for Docker, only to prove the order of stops and starts around a backup.</summary>
public sealed class FakeContainerControl(params (string Name, bool Running)[] containers) : IContainerControl
{
    private readonly Dictionary<string, bool> _running = containers.ToDictionary(c => c.Name, c => c.Running);
    public List<string> Calls { get; } = [];
    /// <summary>Runs after a container is stopped, e.g. to cancel the backup at that moment.</summary>
    public Action<string>? OnStopped { get; set; }

    public bool IsRunning(string name) => _running[name];

    public Task<ContainerState> InspectAsync(string name, CancellationToken cancellationToken)
    {
        Calls.Add("inspect " + name);
        return Task.FromResult(new ContainerState(name, _running.ContainsKey(name), _running.GetValueOrDefault(name)));
    }

    public Task StopAsync(string name, CancellationToken cancellationToken)
    {
        Calls.Add("stop " + name);
        _running[name] = false;
        OnStopped?.Invoke(name);
        return Task.CompletedTask;
    }

    public Task StartAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Calls.Add("start " + name);
        _running[name] = true;
        return Task.CompletedTask;
    }
}
