namespace Lifeboat.Stack.Dumps;

/// <summary>
/// Runs the programs of <see cref="DumpTools"/>: on the host as child processes, inside a container through the Docker
/// Engine API's exec. Neither way uses a shell of Lifeboat's, and the environment's secrets never reach a message.
/// </summary>
public interface IDumpProcesses
{
    /// <summary>
    /// Starts the program and returns its standard output as a stream, read once to its end. At that end a non-zero
    /// exit throws a <see cref="Engine.Backup.SourceFailedException"/> whose ErrorOutput is the last lines of its standard error;
    /// disposing the stream before its end stops the program. <paramref name="errorLine"/> gets each line of its standard error.
    /// </summary>
    /// <exception cref="Engine.Backup.SourceFailedException">It cannot start (no such program, no such container, the container is not running).</exception>
    Task<Stream> OpenOutputAsync(DumpInvocation invocation, Action<string>? errorLine, CancellationToken cancellationToken);

    /// <summary>
    /// Runs the program with <paramref name="input"/> (null: <see cref="DumpInvocation.Input"/>, or nothing) on its
    /// standard input, closes that, and waits for it to end; <paramref name="outputLine"/> gets each line of its standard
    /// output and error. A cancellation stops the program and is thrown.
    /// </summary>
    /// <exception cref="Engine.Backup.SourceFailedException">It cannot start.</exception>
    Task<DumpProcessResult> RunWithInputAsync(DumpInvocation invocation, Stream? input, Action<string>? outputLine, CancellationToken cancellationToken);

    /// <summary>The environment the container was created with (docker inspect's Config.Env), where its image keeps the database's credentials.</summary>
    /// <exception cref="Engine.Backup.SourceFailedException">The container does not exist, or Docker cannot be reached.</exception>
    Task<IReadOnlyDictionary<string, string>> ContainerEnvironmentAsync(string container, CancellationToken cancellationToken);
}
