namespace Lifeboat.Stack.State;

/// <summary>A container that a Lifeboat process stopped and has not yet recorded as running again (<see cref="ContainerStopLog"/>).</summary>
/// <param name="Docker">The Docker daemon it belongs to (its endpoint).</param>
/// <param name="App">The app whose backup or restore stopped it.</param>
/// <param name="Process">The Lifeboat process that stopped it and promised to start it again.</param>
public sealed record StoppedContainerRecord(long Id, string Docker, string App, string Container, ProcessIdentity Process, DateTimeOffset StoppedAt);
