using System.Diagnostics;
using Lifeboat.Stack.Containers;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>DockerContainerControl against a real private dockerd (Debian's docker.io 20.10, API 1.41).</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerContainerControlTests(DockerDaemonFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Inspect_tells_running_stopped_and_missing_containers_apart()
    {
        var daemon = fixture.Daemon;
        using var dir = new TempDirectory("lb-docker-test");
        string running = DockerDaemonFixture.UniqueName("running");
        string created = DockerDaemonFixture.UniqueName("created");
        string exited = DockerDaemonFixture.UniqueName("exited");
        string missing = DockerDaemonFixture.UniqueName("missing");
        try
        {
            DockerDaemonFixture.RunTrappingContainer(daemon, running, dir.Path);
            daemon.RunDocker("create", "--network", "none", "--name", created, DockerDaemon.DefaultImage, "sh", "-c", "true");
            daemon.RunContainer(exited, null, "exit 3");
            daemon.RunDocker("wait", exited);

            using var docker = new DockerContainerControl(daemon.SocketUri);
            var runningState = await docker.InspectAsync(running, Ct);
            Assert.Equal(new ContainerState(running, Exists: true, Running: true), runningState with { MountSources = null });
            Assert.Equal([dir.Path], runningState.MountSources); // its one bind mount, by its host path
            Assert.Equal(new ContainerState(created, Exists: true, Running: false), await docker.InspectAsync(created, Ct) with { MountSources = null });
            Assert.Equal(new ContainerState(exited, Exists: true, Running: false), await docker.InspectAsync(exited, Ct) with { MountSources = null });
            Assert.Equal(new ContainerState(missing, Exists: false, Running: false), await docker.InspectAsync(missing, Ct));

            // Negotiated, not pinned: the daemon's own API version (1.41 for 20.10), never above what we ask for.
            string serverApi = daemon.RunDocker("version", "--format", "{{.Server.APIVersion}}").Stdout.Trim();
            var expected = Version.Parse(serverApi) < DockerContainerControl.MaxApiVersion ? Version.Parse(serverApi) : DockerContainerControl.MaxApiVersion;
            Assert.Equal(expected, docker.ApiVersion);
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", running, created, exited);
        }
    }

    [Fact]
    public async Task Stop_sends_SIGTERM_and_start_runs_the_container_again()
    {
        var daemon = fixture.Daemon;
        using var dir = new TempDirectory("lb-docker-test");
        string name = DockerDaemonFixture.UniqueName("stopstart");
        try
        {
            DockerDaemonFixture.RunTrappingContainer(daemon, name, dir.Path);
            using var docker = new DockerContainerControl(daemon.SocketUri);

            var watch = Stopwatch.StartNew();
            await docker.StopAsync(name, Ct);
            watch.Stop();
            Assert.False((await docker.InspectAsync(name, Ct)).Running);
            // The shell's TERM trap ran: the stop was graceful, not the SIGKILL after 10 s.
            Assert.Equal("term\n", File.ReadAllText(dir.Combine("term")));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"stop took {watch.Elapsed}");
            Assert.Equal("0", daemon.RunDocker("inspect", "--format", "{{.State.ExitCode}}", name).Stdout.Trim());

            await docker.StopAsync(name, Ct); // stopping a stopped container is fine

            File.Delete(dir.Combine("started"));
            File.Delete(dir.Combine("term"));
            await docker.StartAsync(name, Ct);
            Assert.True((await docker.InspectAsync(name, Ct)).Running);
            DockerDaemonFixture.WaitForFile(dir.Combine("started")); // its command runs again

            await docker.StartAsync(name, Ct); // starting a running container is fine
            Assert.True((await docker.InspectAsync(name, Ct)).Running);
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Stop_and_start_of_a_missing_container_name_it()
    {
        var daemon = fixture.Daemon;
        string missing = DockerDaemonFixture.UniqueName("missing");
        using var docker = new DockerContainerControl(daemon.SocketUri);

        var stop = await Assert.ThrowsAsync<ContainerControlException>(() => docker.StopAsync(missing, Ct));
        Assert.Equal($"docker: cannot stop container {missing}: no such container", stop.Message);
        var start = await Assert.ThrowsAsync<ContainerControlException>(() => docker.StartAsync(missing, Ct));
        Assert.Equal($"docker: cannot start container {missing}: no such container", start.Message);
    }

    [Fact]
    public async Task A_failing_start_gives_the_daemons_reason_in_one_line()
    {
        var daemon = fixture.Daemon;
        string name = DockerDaemonFixture.UniqueName("badcmd");
        try
        {
            daemon.RunDocker("create", "--network", "none", "--name", name, DockerDaemon.DefaultImage, "/no/such/program");
            using var docker = new DockerContainerControl(daemon.SocketUri);
            var e = await Assert.ThrowsAsync<ContainerControlException>(() => docker.StartAsync(name, Ct));
            Assert.StartsWith($"docker: cannot start container {name}: ", e.Message);
            Assert.Contains("/no/such/program", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally
        {
            daemon.TryRunDocker("rm", "-f", name);
        }
    }

    [Fact]
    public async Task A_caller_cancellation_is_an_OperationCanceledException()
    {
        var daemon = fixture.Daemon;
        using var docker = new DockerContainerControl(daemon.SocketUri);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => docker.InspectAsync("anything", cts.Token));
    }
}

/// <summary>Where DockerContainerControl connects, and what it says when nothing answers there. No daemon needed.</summary>
public sealed class DockerEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_socket_that_does_not_exist_gives_a_clear_error()
    {
        using var dir = new TempDirectory("lb-docker-test");
        var endpoint = new Uri("unix://" + dir.Combine("docker.sock"));
        using var docker = new DockerContainerControl(endpoint);
        var e = await Assert.ThrowsAsync<ContainerControlException>(() => docker.InspectAsync("plex", Ct));
        Assert.Equal($"docker is not reachable at {endpoint}: no socket at {dir.Combine("docker.sock")}; is the Docker daemon running? {DockerContainerControl.EndpointHint}", e.Message);
        var stop = await Assert.ThrowsAsync<ContainerControlException>(() => docker.StopAsync("plex", Ct));
        Assert.Equal(e.Message, stop.Message);
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_gives_a_clear_error()
    {
        using var dir = new TempDirectory("lb-docker-test");
        string path = dir.Combine("docker.sock");
        // Bound but not listening, as a daemon that died leaves its socket: connect() is refused.
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        using var docker = new DockerContainerControl(new Uri("unix://" + path));
        var e = await Assert.ThrowsAsync<ContainerControlException>(() => docker.StartAsync("plex", Ct));
        Assert.StartsWith($"docker is not reachable at unix://{path}: ", e.Message);
        Assert.EndsWith("; is the Docker daemon running? " + DockerContainerControl.EndpointHint, e.Message);
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task FromEnvironment_follows_DOCKER_HOST()
    {
        using var dir = new TempDirectory("lb-docker-test");
        string socket = dir.Combine("docker.sock");
        using (var docker = DockerContainerControl.FromEnvironment(_ => null))
            Assert.Equal(new Uri("unix:///var/run/docker.sock"), docker.Endpoint);
        using (var docker = DockerContainerControl.FromEnvironment(_ => ""))
            Assert.Equal(new Uri("unix:///var/run/docker.sock"), docker.Endpoint);
        using (var docker = DockerContainerControl.FromEnvironment(v => v == "DOCKER_HOST" ? "unix://" + socket : null))
        {
            Assert.Equal(new Uri("unix://" + socket), docker.Endpoint);
            var e = await Assert.ThrowsAsync<ContainerControlException>(() => docker.InspectAsync("plex", Ct));
            Assert.Equal($"docker is not reachable at unix://{socket}: no socket at {socket}; is the Docker daemon running? {DockerContainerControl.EndpointHint}", e.Message);
        }
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:2375", "tcp")]
    [InlineData("ssh://user@host", "ssh")]
    public void FromEnvironment_refuses_other_than_unix_sockets(string host, string scheme)
    {
        var e = Assert.Throws<ContainerControlException>(() => DockerContainerControl.FromEnvironment(v => v == "DOCKER_HOST" ? host : null));
        Assert.Equal($"DOCKER_HOST={host}: {scheme}:// is not supported yet, only a unix:// socket (unset DOCKER_HOST to use unix:///var/run/docker.sock)", e.Message);
    }

    [Fact]
    public void The_constructor_refuses_other_than_unix_sockets()
    {
        var e = Assert.Throws<ContainerControlException>(() => new DockerContainerControl(new Uri("tcp://127.0.0.1:2375")));
        Assert.Contains("only unix:// sockets are supported", e.Message);
    }

    [Fact]
    public async Task Names_that_would_change_the_request_path_are_refused()
    {
        using var docker = new DockerContainerControl(new Uri("unix:///nonexistent/docker.sock"));
        await Assert.ThrowsAsync<ArgumentException>(() => docker.InspectAsync("../images", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => docker.StopAsync("a?b", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => docker.StartAsync(" ", Ct));
    }
}
