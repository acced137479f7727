using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using Lifeboat.Engine.Backup;
using Lifeboat.Stack.Containers;

namespace Lifeboat.Stack.Dumps;

/// <summary>
/// <see cref="IDumpProcesses"/> for real: on the host a child process (no shell; <see cref="CommandOutputStream"/>
/// for an output), in a container Docker exec over the same client as <see cref="DockerContainerControl"/> (the API
/// version negotiated, each call with its time limit; the output itself may take as long as the dump takes).
/// The program's exit code comes from exec inspect once its output has ended.
/// </summary>
public sealed class DumpProcesses : IDumpProcesses, IDisposable
{
    /// <summary>How long an exec that closed its output may take to be reported as ended (its exit code is set just after).</summary>
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(10);

    private readonly Lazy<DockerContainerControl> _docker;
    private readonly bool _ownsDocker;

    /// <param name="docker">Makes the Docker client, called once, when a dump first runs in a container.</param>
    /// <param name="ownsDocker">Whether <see cref="Dispose"/> disposes it.</param>
    public DumpProcesses(Func<DockerContainerControl> docker, bool ownsDocker)
    {
        _docker = new Lazy<DockerContainerControl>(docker, LazyThreadSafetyMode.ExecutionAndPublication);
        _ownsDocker = ownsDocker;
    }

    /// <summary>Host processes, and the Docker daemon at $DOCKER_HOST (else /var/run/docker.sock).</summary>
    public DumpProcesses() : this(DockerContainerControl.FromEnvironment, ownsDocker: true)
    {
    }

    public async Task<Stream> OpenOutputAsync(DumpInvocation invocation, Action<string>? errorLine, CancellationToken cancellationToken)
    {
        if (invocation.Container is not { } container)
            return CommandOutputStream.Start(invocation.Argv, errorLine, invocation.Environment.ToDictionary(e => e.Key, e => (string?)e.Value));
        var (exec, id) = await StartExecAsync(container, invocation, attachInput: false, cancellationToken).ConfigureAwait(false);
        return new ExecOutputStream(exec, invocation.Program, new OutputLines(errorLine), ct => ExitCodeAsync(container, id, ct));
    }

    public Task<DumpProcessResult> RunWithInputAsync(DumpInvocation invocation, Stream? input, Action<string>? outputLine, CancellationToken cancellationToken)
    {
        input ??= new MemoryStream(Encoding.UTF8.GetBytes(invocation.Input ?? ""), writable: false);
        return invocation.Container is { } container
            ? RunInContainerAsync(container, invocation, input, outputLine, cancellationToken)
            : RunOnHostAsync(invocation, input, outputLine, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, string>> ContainerEnvironmentAsync(string container, CancellationToken cancellationToken)
    {
        var response = await CallAsync(container, "inspect", (client, ct) => client.Containers.InspectContainerAsync(container, ct), cancellationToken).ConfigureAwait(false);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in response.Config?.Env ?? [])
        {
            int equals = entry.IndexOf('=');
            if (equals > 0) environment[entry[..equals]] = entry[(equals + 1)..];
        }
        return environment;
    }

    public void Dispose()
    {
        if (_ownsDocker && _docker.IsValueCreated) _docker.Value.Dispose();
    }

    private async Task<DumpProcessResult> RunOnHostAsync(DumpInvocation invocation, Stream input, Action<string>? outputLine, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(invocation.Argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in invocation.Argv.Skip(1)) start.ArgumentList.Add(argument);
        foreach (var (name, value) in invocation.Environment) start.Environment[name] = value;
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new SourceFailedException($"failed to start command {invocation.Argv[0]}: {e.Message}", e);
        }
        var lines = new OutputLines(outputLine);
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, lines), PumpAsync(process.StandardError, lines));
        try
        {
            try
            {
                await input.CopyToAsync(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // it stopped reading (it failed, or needs no more): its exit code and output tell
            }
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException) { } // it has exited
            throw;
        }
        await pumps.ConfigureAwait(false);
        return new DumpProcessResult(process.ExitCode, lines.Tail);
    }

    private static async Task PumpAsync(StreamReader reader, OutputLines lines)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line) lines.Add(line);
    }

    private async Task<DumpProcessResult> RunInContainerAsync(string container, DumpInvocation invocation, Stream input, Action<string>? outputLine,
        CancellationToken cancellationToken)
    {
        var (exec, id) = await StartExecAsync(container, invocation, attachInput: true, cancellationToken).ConfigureAwait(false);
        using (exec)
        {
            var output = new OutputLines(outputLine);
            var outputRead = ReadAllAsync(exec, output, invocation.Program, cancellationToken);
            var buffer = new byte[81920];
            try
            {
                int n;
                while ((n = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    await exec.WriteAsync(buffer, 0, n, cancellationToken).ConfigureAwait(false);
                exec.CloseWrite();
            }
            catch (IOException)
            {
                // it stopped reading (it failed, or needs no more): its exit code and output tell
            }
            await outputRead.ConfigureAwait(false);
            long code = await ExitCodeAsync(container, id, cancellationToken).ConfigureAwait(false);
            return new DumpProcessResult((int)code, output.Tail);
        }
    }

    private static async Task ReadAllAsync(MultiplexedStream exec, OutputLines output, string program, CancellationToken cancellationToken)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var read = await exec.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
                if (read.EOF) break;
                output.Write(buffer.AsSpan(0, read.Count));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new SourceFailedException($"the output of {program} broke off: {DockerContainerControl.Reason(e)}", e) { ErrorOutput = output.Tail };
        }
        output.Complete();
    }

    /// <summary>Creates and starts the exec: attached to its output (and input), no terminal, the invocation's environment.</summary>
    private async Task<(MultiplexedStream Exec, string Id)> StartExecAsync(string container, DumpInvocation invocation, bool attachInput, CancellationToken cancellationToken)
    {
        var parameters = new ContainerExecCreateParameters
        {
            AttachStdin = attachInput,
            AttachStdout = true,
            AttachStderr = true,
            TTY = false,
            Cmd = invocation.Argv.ToList(),
            Env = invocation.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
        };
        var created = await CallAsync(container, $"run {invocation.Program} in", (client, ct) => client.Exec.CreateContainerExecAsync(container, parameters, ct), cancellationToken)
            .ConfigureAwait(false);
        var exec = await CallAsync(container, $"run {invocation.Program} in",
            (client, ct) => client.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters { Detach = false, TTY = false }, ct), cancellationToken).ConfigureAwait(false);
        return (exec, created.ID);
    }

    /// <summary>The exit code of an exec whose output has ended; it is set a moment after the output closes.</summary>
    private async Task<long> ExitCodeAsync(string container, string execId, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var state = await CallAsync(container, "inspect the exec in", (client, ct) => client.Exec.InspectContainerExecAsync(execId, ct), cancellationToken).ConfigureAwait(false);
            if (!state.Running && state.ExitCode is { } code) return code;
            if (deadline.Elapsed > ExitWait)
                throw new SourceFailedException($"docker did not report how the program in container {container} ended within {ExitWait.TotalSeconds:0} s");
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One call to the daemon; every failure but the caller's cancellation is a <see cref="SourceFailedException"/> naming the container.</summary>
    private async Task<T> CallAsync<T>(string container, string verb, Func<DockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var docker = _docker.Value;
        try
        {
            return await docker.RunAsync(DockerContainerControl.InspectTimeout, cancellationToken, call).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException e)
        {
            throw new SourceFailedException($"container {container} does not exist (docker ps -a lists the containers there are)", e);
        }
        catch (ContainerControlException e)
        {
            throw new SourceFailedException(e.Message, e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = DockerContainerControl.IsConnectionFailure(e) ? docker.Unreachable(e).Message
                : e is OperationCanceledException or TimeoutException ? $"no answer from the daemon within {DockerContainerControl.InspectTimeout.TotalSeconds:0} s"
                : DockerContainerControl.Reason(e);
            throw new SourceFailedException($"docker: cannot {verb} container {container}: {reason}", e);
        }
    }
}
