using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using Version = System.Version;

namespace Lifeboat.Stack.Containers;

/// <summary>
/// <see cref="IContainerControl"/> over the Docker Engine API on a unix socket (Docker.DotNet.Enhanced).
/// <para>
/// API version: the first call asks the daemon's <c>/version</c> (an unversioned path every daemon answers) and then
/// pins every request to the lower of the daemon's API version and <see cref="MaxApiVersion"/>, as the docker CLI
/// negotiates. A fixed pin would not do: Debian's docker.io 20.10 speaks at most 1.41, while Docker 29 refuses anything
/// below 1.44. The three calls used here (inspect, stop, start) have not changed in any version from 1.24 on.
/// </para>
/// </summary>
public sealed class DockerContainerControl : IContainerControl, IDisposable
{
    /// <summary>Where the Docker daemon listens when DOCKER_HOST is not set.</summary>
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    /// <summary>
    /// How to point Lifeboat at the daemon, appended to "not reachable": another socket by DOCKER_HOST, and inside a
    /// container the host's socket mounted at the default path.
    /// </summary>
    public const string EndpointHint =
        "(another socket: set DOCKER_HOST=unix:///path/to/docker.sock; Lifeboat in a container: mount the host's socket, -v /var/run/docker.sock:/var/run/docker.sock)";

    /// <summary>The newest API version requested; a daemon that speaks a newer one still accepts it.</summary>
    internal static readonly Version MaxApiVersion = new(1, 51);

    /// <summary>The oldest API version accepted (Docker 1.12, 2016).</summary>
    internal static readonly Version MinApiVersion = new(1, 24);

    // Each call has its own limit on top of the caller's token, so a daemon that hangs cannot hang the backup.
    // A stop waits for the container's stop timeout (10 s by default, longer with compose's stop_grace_period).
    internal static readonly TimeSpan InspectTimeout = TimeSpan.FromMinutes(1);
    internal static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    internal static readonly TimeSpan StopTimeout = TimeSpan.FromMinutes(10);

    private readonly Uri _endpoint;
    private readonly SemaphoreSlim _negotiation = new(1, 1);
    private DockerClient? _client;
    private bool _disposed;

    public DockerContainerControl(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || !string.Equals(endpoint.Scheme, "unix", StringComparison.OrdinalIgnoreCase))
            throw new ContainerControlException(
                $"docker endpoint {endpoint}: only unix:// sockets are supported for now (e.g. {DefaultEndpoint})");
        if (!endpoint.LocalPath.StartsWith('/') || !string.IsNullOrEmpty(endpoint.Host))
            throw new ContainerControlException(
                $"docker endpoint {endpoint}: a unix socket needs an absolute path, as in {DefaultEndpoint}");
        _endpoint = endpoint;
    }

    /// <summary>The endpoint this instance talks to.</summary>
    public Uri Endpoint => _endpoint;

    /// <summary>The API version negotiated with the daemon, null before the first call.</summary>
    internal Version? ApiVersion { get; private set; }

    /// <summary>
    /// The daemon named by DOCKER_HOST (unix:// only; tcp:// and ssh:// are refused with a clear message for now),
    /// else unix:///var/run/docker.sock. Docker contexts are not consulted.
    /// </summary>
    public static DockerContainerControl FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    internal static DockerContainerControl FromEnvironment(Func<string, string?> getEnvironmentVariable)
    {
        string? host = getEnvironmentVariable("DOCKER_HOST")?.Trim();
        if (string.IsNullOrEmpty(host)) return new DockerContainerControl(new Uri(DefaultEndpoint));
        if (!host.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            string scheme = host.Contains("://", StringComparison.Ordinal) ? host[..host.IndexOf("://", StringComparison.Ordinal)] : host;
            throw new ContainerControlException(
                $"DOCKER_HOST={host}: {scheme}:// is not supported yet, only a unix:// socket " +
                $"(unset DOCKER_HOST to use {DefaultEndpoint})");
        }
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri))
            throw new ContainerControlException($"DOCKER_HOST={host} is not a valid unix:// address");
        try
        {
            return new DockerContainerControl(uri);
        }
        catch (ContainerControlException e)
        {
            throw new ContainerControlException($"DOCKER_HOST={host}: {StripPrefix(e.Message)}", e);
        }

        static string StripPrefix(string message) =>
            message.IndexOf(": ", StringComparison.Ordinal) is var i and >= 0 ? message[(i + 2)..] : message;
    }

    public async Task<ContainerState> InspectAsync(string name, CancellationToken cancellationToken)
    {
        CheckName(name);
        try
        {
            var response = await RunAsync(InspectTimeout, cancellationToken,
                (client, token) => client.Containers.InspectContainerAsync(name, token)).ConfigureAwait(false);
            return new ContainerState(name, Exists: true, Running: response.State?.Running == true)
            {
                MountSources = response.Mounts?.Select(m => m.Source).Where(s => !string.IsNullOrEmpty(s)).ToList() ?? [],
            };
        }
        catch (DockerContainerNotFoundException)
        {
            return new ContainerState(name, Exists: false, Running: false);
        }
        catch (Exception e) when (e is not ContainerControlException && !IsCallerCancellation(e, cancellationToken))
        {
            throw Failure("inspect", name, e, InspectTimeout);
        }
    }

    public async Task StopAsync(string name, CancellationToken cancellationToken)
    {
        CheckName(name);
        try
        {
            // No "t": the daemon then waits the container's own stop timeout, 10 s unless it was created with another,
            // which is what `docker stop` without -t does. False (304) means it was not running: nothing to do.
            await RunAsync(StopTimeout, cancellationToken,
                (client, token) => client.Containers.StopContainerAsync(name, new ContainerStopParameters(), token)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ContainerControlException && !IsCallerCancellation(e, cancellationToken))
        {
            throw Failure("stop", name, e, StopTimeout);
        }
    }

    public async Task StartAsync(string name, CancellationToken cancellationToken)
    {
        CheckName(name);
        try
        {
            // False (304) means it was running already.
            await RunAsync(StartTimeout, cancellationToken,
                (client, token) => client.Containers.StartContainerAsync(name, new ContainerStartParameters(), token)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ContainerControlException && !IsCallerCancellation(e, cancellationToken))
        {
            throw Failure("start", name, e, StartTimeout);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _client?.Dispose();
        _negotiation.Dispose();
    }

    /// <summary>One call to the daemon, on the negotiated client, within <paramref name="limit"/> (the dumps' exec uses it too).</summary>
    internal async Task<T> RunAsync<T>(TimeSpan limit, CancellationToken cancellationToken,
        Func<DockerClient, CancellationToken, Task<T>> call)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        var client = await ClientAsync(timeout.Token, cancellationToken).ConfigureAwait(false);
        return await call(client, timeout.Token).ConfigureAwait(false);
    }

    private async Task<DockerClient> ClientAsync(CancellationToken token, CancellationToken callerToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Volatile.Read(ref _client) is { } ready) return ready;
        await _negotiation.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (_client is { } raced) return raced;
            Version server;
            try
            {
                using var probe = Build(apiVersion: null);
                var version = await probe.System.GetVersionAsync(token).ConfigureAwait(false);
                if (!Version.TryParse(version.APIVersion, out server!))
                    throw new ContainerControlException(
                        $"docker at {_endpoint} answered with an API version that cannot be read: '{version.APIVersion}'");
            }
            catch (Exception e) when (e is not ContainerControlException && !IsCallerCancellation(e, callerToken))
            {
                throw e is DockerApiException or JsonException
                    ? new ContainerControlException($"docker at {_endpoint} did not tell its version: {Reason(e)}", e)
                    : Unreachable(e);
            }
            if (server < MinApiVersion)
                throw new ContainerControlException(
                    $"docker at {_endpoint} speaks API {server}, older than the {MinApiVersion} Lifeboat needs; upgrade Docker");
            var chosen = server < MaxApiVersion ? server : MaxApiVersion;
            var client = Build(chosen);
            ApiVersion = chosen;
            Volatile.Write(ref _client, client);
            return client;
        }
        finally
        {
            _negotiation.Release();
        }
    }

    private DockerClient Build(Version? apiVersion) =>
        new DockerClientBuilder()
            .WithEndpoint(_endpoint)
            .WithApiVersion(apiVersion)
            .WithTimeout(StopTimeout + TimeSpan.FromMinutes(1)) // the per-call limits above are the real ones
            .Build();

    private static void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        // Docker's names are [a-zA-Z0-9][a-zA-Z0-9_.-]*, IDs hex; anything else would change the request's path.
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
                throw new ArgumentException($"'{name}' is not a container name", nameof(name));
        }
    }

    private static bool IsCallerCancellation(Exception e, CancellationToken callerToken) =>
        e is OperationCanceledException && callerToken.IsCancellationRequested;

    private ContainerControlException Failure(string verb, string name, Exception e, TimeSpan limit)
    {
        if (IsConnectionFailure(e)) return Unreachable(e);
        string reason = e switch
        {
            DockerContainerNotFoundException => "no such container",
            OperationCanceledException or TimeoutException => $"no answer from the daemon within {limit.TotalSeconds:0} s",
            _ => Reason(e),
        };
        return new ContainerControlException($"docker: cannot {verb} container {name}: {reason}", e);
    }

    internal ContainerControlException Unreachable(Exception e)
    {
        string socket = _endpoint.LocalPath;
        string reason = Path.Exists(socket)
            ? Reason(e)
            : $"no socket at {socket}";
        return new ContainerControlException(
            $"docker is not reachable at {_endpoint}: {reason}; is the Docker daemon running? {EndpointHint}", e);
    }

    internal static bool IsConnectionFailure(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is HttpRequestException or SocketException or IOException) return true;
        }
        return false;
    }

    /// <summary>One line: Docker's own "message" for an API error, else the innermost exception's message.</summary>
    internal static string Reason(Exception e)
    {
        if (e is DockerApiException api)
        {
            string? message = null;
            try
            {
                using var body = JsonDocument.Parse(api.ResponseBody ?? "");
                if (body.RootElement.ValueKind == JsonValueKind.Object &&
                    body.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    message = m.GetString();
            }
            catch (JsonException)
            {
            }
            message ??= string.IsNullOrWhiteSpace(api.ResponseBody) ? api.StatusCode.ToString() : api.ResponseBody;
            return OneLine(message);
        }
        var innermost = e;
        while (innermost.InnerException is not null) innermost = innermost.InnerException;
        return OneLine(innermost.Message);
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
