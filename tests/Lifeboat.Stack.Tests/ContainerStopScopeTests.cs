using Lifeboat.Stack.Containers;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>ContainerStopScope against a real private dockerd.</summary>
[Collection(DockerCollection.Name)]
public sealed class ContainerStopScopeTests(DockerDaemonFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Two running trapping containers (app, db) and one created but never started (idle).</summary>
    private sealed class Stack : IDisposable
    {
        private readonly DockerDaemon _daemon;
        public readonly TempDirectory AppDir = new("lb-docker-test");
        public readonly TempDirectory DbDir = new("lb-docker-test");
        public readonly string App = DockerDaemonFixture.UniqueName("app");
        public readonly string Db = DockerDaemonFixture.UniqueName("db");
        public readonly string Idle = DockerDaemonFixture.UniqueName("idle");

        public Stack(DockerDaemon daemon)
        {
            _daemon = daemon;
            DockerDaemonFixture.RunTrappingContainer(daemon, App, AppDir.Path);
            DockerDaemonFixture.RunTrappingContainer(daemon, Db, DbDir.Path);
            daemon.RunDocker("create", "--network", "none", "--name", Idle, DockerDaemon.DefaultImage, "sh", "-c", "sleep 1000");
        }

        public void Dispose()
        {
            _daemon.TryRunDocker("rm", "-f", App, Db, Idle);
            AppDir.Dispose();
            DbDir.Dispose();
        }
    }

    private static async Task<bool> Running(IContainerControl docker, string name) => (await docker.InspectAsync(name, Ct)).Running;

    [Fact]
    public async Task Stops_only_the_running_containers_and_starts_exactly_those_again()
    {
        var daemon = fixture.Daemon;
        using var stack = new Stack(daemon);
        using var docker = new DockerContainerControl(daemon.SocketUri);

        await using (var scope = await ContainerStopScope.StopRunningAsync(docker, [stack.App, stack.Idle, stack.Db], Ct))
        {
            Assert.Equal([stack.App, stack.Db], scope.Stopped);
            Assert.False(await Running(docker, stack.App));
            Assert.False(await Running(docker, stack.Db));
            Assert.False(await Running(docker, stack.Idle));
            Assert.True(File.Exists(stack.AppDir.Combine("term")), "app got SIGTERM");
            Assert.True(File.Exists(stack.DbDir.Combine("term")), "db got SIGTERM");
            File.Delete(stack.AppDir.Combine("started"));
        }

        Assert.True(await Running(docker, stack.App));
        Assert.True(await Running(docker, stack.Db));
        Assert.False(await Running(docker, stack.Idle)); // it was not running before: it is not started
        DockerDaemonFixture.WaitForFile(stack.AppDir.Combine("started"));
    }

    [Fact]
    public async Task Restarts_them_when_the_body_throws()
    {
        var daemon = fixture.Daemon;
        using var stack = new Stack(daemon);
        using var docker = new DockerContainerControl(daemon.SocketUri);

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var scope = await ContainerStopScope.StopRunningAsync(docker, [stack.App, stack.Db], Ct);
            Assert.False(await Running(docker, stack.App));
            throw new InvalidOperationException("the copy failed");
        });

        Assert.True(await Running(docker, stack.App));
        Assert.True(await Running(docker, stack.Db));
    }

    [Fact]
    public async Task Restarts_them_when_the_token_was_cancelled()
    {
        var daemon = fixture.Daemon;
        using var stack = new Stack(daemon);
        using var docker = new DockerContainerControl(daemon.SocketUri);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await using var scope = await ContainerStopScope.StopRunningAsync(docker, [stack.App, stack.Db], cts.Token);
            await cts.CancelAsync(); // the user pressed Ctrl-C during the backup
            await docker.InspectAsync(stack.App, cts.Token);
        });

        Assert.True(await Running(docker, stack.App));
        Assert.True(await Running(docker, stack.Db));
    }

    [Fact]
    public async Task A_missing_container_is_named_and_nothing_is_stopped()
    {
        var daemon = fixture.Daemon;
        using var stack = new Stack(daemon);
        using var docker = new DockerContainerControl(daemon.SocketUri);
        string missing = DockerDaemonFixture.UniqueName("missing");

        var e = await Assert.ThrowsAsync<ContainerControlException>(() =>
            ContainerStopScope.StopRunningAsync(docker, [stack.App, missing, stack.Db], Ct));
        Assert.Equal($"docker: no such container: {missing}", e.Message);
        Assert.True(await Running(docker, stack.App));
        Assert.True(await Running(docker, stack.Db));
    }
}

/// <summary>ContainerStopScope's bookkeeping, with a fake daemon: order, idempotence, errors, cancellation.</summary>
public sealed class ContainerStopScopeBookkeepingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class FakeDocker(params string[] running) : IContainerControl
    {
        public readonly HashSet<string> Running = [.. running];
        public readonly HashSet<string> Existing = [.. running];
        public readonly List<string> Calls = [];
        public Func<string, Exception?> FailStop = _ => null;
        public Func<string, Exception?> FailStart = _ => null;
        public Action<string>? OnStop;

        public Task<ContainerState> InspectAsync(string name, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(new ContainerState(name, Existing.Contains(name), Running.Contains(name)));
        }

        public Task StopAsync(string name, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Calls.Add("stop " + name);
            OnStop?.Invoke(name);
            if (FailStop(name) is { } e) throw e;
            Running.Remove(name);
            return Task.CompletedTask;
        }

        public Task StartAsync(string name, CancellationToken cancellationToken)
        {
            Assert.False(cancellationToken.IsCancellationRequested, "restart must not follow the caller's token");
            Calls.Add("start " + name);
            if (FailStart(name) is { } e) throw e;
            Running.Add(name);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Stops_in_list_order_restarts_in_reverse_once()
    {
        var docker = new FakeDocker("web", "db");
        docker.Existing.Add("cron");
        var scope = await ContainerStopScope.StopRunningAsync(docker, ["web", "cron", "db", "web"], Ct);
        Assert.Equal(["web", "db"], scope.Stopped);
        await scope.RestartAsync();
        await scope.RestartAsync();
        await scope.DisposeAsync();
        Assert.Equal(["stop web", "stop db", "start db", "start web"], docker.Calls);
    }

    [Fact]
    public async Task All_missing_containers_are_named_together()
    {
        var docker = new FakeDocker("web");
        var e = await Assert.ThrowsAsync<ContainerControlException>(() =>
            ContainerStopScope.StopRunningAsync(docker, ["plex", "web", "db"], Ct));
        Assert.Equal("docker: no such containers: plex, db", e.Message);
        Assert.Empty(docker.Calls);
    }

    [Fact]
    public async Task Every_container_is_tried_and_the_errors_come_back_as_one()
    {
        var docker = new FakeDocker("a", "b", "c");
        docker.FailStart = n => n == "b" ? null : new ContainerControlException($"docker: cannot start container {n}: boom");
        var scope = await ContainerStopScope.StopRunningAsync(docker, ["a", "b", "c"], Ct);
        var e = await Assert.ThrowsAsync<ContainerControlException>(() => scope.RestartAsync());
        Assert.Equal("docker: 2 containers did not start again: docker: cannot start container c: boom; docker: cannot start container a: boom", e.Message);
        Assert.Equal(["stop a", "stop b", "stop c", "start c", "start b", "start a"], docker.Calls);
        // Idempotent: disposing reports the same outcome without starting anything again.
        var again = await Assert.ThrowsAsync<ContainerControlException>(async () => await scope.DisposeAsync());
        Assert.Same(e, again);
        Assert.Equal(6, docker.Calls.Count);
    }

    [Fact]
    public async Task A_stop_that_fails_part_way_restarts_what_was_stopped()
    {
        var docker = new FakeDocker("a", "b", "c");
        docker.FailStop = n => n == "b" ? new ContainerControlException("docker: cannot stop container b: boom") : null;
        var e = await Assert.ThrowsAsync<ContainerControlException>(() => ContainerStopScope.StopRunningAsync(docker, ["a", "b", "c"], Ct));
        Assert.Equal("docker: cannot stop container b: boom", e.Message);
        // the second stop of b waits out a stop Docker may still be carrying out, before b is started
        Assert.Equal(["stop a", "stop b", "stop b", "start b", "start a"], docker.Calls);
        Assert.Equal(["a", "b", "c"], docker.Running.Order());
    }

    [Fact]
    public async Task A_cancellation_part_way_restarts_what_was_stopped()
    {
        var docker = new FakeDocker("a", "b", "c");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        docker.OnStop = n => { if (n == "b") cts.Cancel(); };
        docker.FailStop = n => n == "b" ? new OperationCanceledException(cts.Token) : null;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ContainerStopScope.StopRunningAsync(docker, ["a", "b", "c"], cts.Token));
        Assert.Equal(["stop a", "stop b", "stop b", "start b", "start a"], docker.Calls);
        Assert.Equal(["a", "b", "c"], docker.Running.Order());
    }

    [Fact]
    public async Task A_failed_restart_after_a_failed_stop_tells_both()
    {
        var docker = new FakeDocker("a", "b");
        docker.FailStop = n => n == "b" ? new ContainerControlException("docker: cannot stop container b: boom") : null;
        docker.FailStart = n => n == "a" ? new ContainerControlException("docker: cannot start container a: bang") : null;
        var e = await Assert.ThrowsAsync<ContainerControlException>(() => ContainerStopScope.StopRunningAsync(docker, ["a", "b"], Ct));
        Assert.Equal("docker: cannot stop container b: boom; and then docker: cannot start container a: bang", e.Message);
    }
}
