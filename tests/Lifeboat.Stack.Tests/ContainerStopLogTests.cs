using System.Diagnostics;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.State;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// The durable record of containers a Lifeboat process stopped (<see cref="ContainerStopLog"/>): written before each
/// stop, cleared once the container runs again, and acted on by <see cref="StoppedContainerRecovery"/> only when the
/// process that wrote it is gone.
/// </summary>
public sealed class ContainerStopLogTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();
    private string StateDir => _temp.Combine("state");
    private ContainerStopLog Log => new(new StateDatabase(StateDir));
    private const string Fake = nameof(FakeContainerControl);

    /// <summary>A process that ran and has exited (reaped): its identity, as a record written by it would hold.</summary>
    private static ProcessIdentity ExitedProcess()
    {
        using var process = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        var identity = ProcessIdentity.Of(process.Id);
        process.Kill();
        process.WaitForExit();
        return Assert.NotNull(identity);
    }

    [Fact]
    public void A_process_counts_as_running_only_with_its_PID_start_time_and_boot()
    {
        var me = ProcessIdentity.Current;
        Assert.True(me.IsRunning());
        Assert.False((me with { StartTicks = me.StartTicks + 1 }).IsRunning()); // the PID reused by a later process
        Assert.False((me with { BootId = "0b5e7c1e-0000-4000-8000-000000000000" }).IsRunning()); // a record from before a reboot
        Assert.False(ExitedProcess().IsRunning());
    }

    [Fact]
    public async Task The_scope_records_a_container_before_stopping_it_and_forgets_it_once_it_runs_again()
    {
        var docker = new FakeContainerControl(("web", true), ("idle", false));
        IReadOnlyList<StoppedContainerRecord>? atStop = null;
        docker.OnStopped = _ => atStop = Log.List();
        var journal = new ContainerStopJournal(Log, docker, "blog", warn: message => Assert.Fail(message));

        await using (var scope = await ContainerStopScope.StopRunningAsync(docker, ["web", "idle"], Ct, journal))
        {
            var record = Assert.Single(Log.List()); // the container left stopped on purpose is not recorded
            Assert.Equal(("web", "blog", Fake), (record.Container, record.App, record.Docker));
            Assert.Equal(ProcessIdentity.Current, record.Process);
        }

        Assert.Equal("web", Assert.Single(atStop!).Container);
        Assert.True(docker.IsRunning("web"));
        Assert.Empty(Log.List());
    }

    [Fact]
    public async Task Recovery_starts_what_a_dead_process_left_stopped_and_leaves_a_live_processs_and_another_dockers_alone()
    {
        var docker = new FakeContainerControl(("web", false), ("db", false), ("elsewhere", false), ("busy", false));
        var dead = ExitedProcess();
        Log.Add(Fake, "blog", "web", dead, DateTimeOffset.UtcNow);
        Log.Add(Fake, "blog", "db", dead, DateTimeOffset.UtcNow);
        Log.Add("unix:///run/other-docker.sock", "blog", "elsewhere", dead, DateTimeOffset.UtcNow);
        Log.Add(Fake, "media", "busy", ProcessIdentity.Current, DateTimeOffset.UtcNow); // a live run is mid-backup

        var line = await StoppedContainerRecovery.RunAsync(Log, () => docker, Ct);

        Assert.Equal($"containers web, db (app blog) were left stopped by lifeboat process {dead.Pid}, which ended before starting them again: started containers db, web again", line);
        Assert.True(docker.IsRunning("web"));
        Assert.True(docker.IsRunning("db"));
        Assert.False(docker.IsRunning("busy"));
        Assert.False(docker.IsRunning("elsewhere"));
        Assert.Equal(["elsewhere", "busy"], Log.List().Select(r => r.Container));
        Assert.Null(await StoppedContainerRecovery.RunAsync(Log, () => docker, Ct));
    }

    [Fact]
    public async Task Recovery_forgets_a_container_that_is_gone_and_keeps_one_that_would_not_start_for_the_next_run()
    {
        var docker = new FailingStarts(new FakeContainerControl(("broken", false)), "broken");
        var dead = ExitedProcess();
        Log.Add(nameof(FailingStarts), "blog", "removed", dead, DateTimeOffset.UtcNow);
        Log.Add(nameof(FailingStarts), "blog", "broken", dead, DateTimeOffset.UtcNow);

        var line = await StoppedContainerRecovery.RunAsync(Log, () => docker, Ct);

        Assert.Equal($"containers removed, broken (app blog) were left stopped by lifeboat process {dead.Pid}, which ended before starting them again: " +
                     "container removed no longer exists; could not start broken: docker: cannot start broken: port is already allocated (the next run tries again)", line);
        Assert.Equal("broken", Assert.Single(Log.List()).Container);
    }

    [Fact]
    public async Task Recovery_with_nothing_recorded_creates_no_database_and_does_not_ask_docker()
    {
        Assert.Null(await StoppedContainerRecovery.RunAsync(Log, () => throw new InvalidOperationException("docker was asked"), Ct));
        Assert.False(File.Exists(Path.Combine(StateDir, StateDatabase.FileName)));
    }

    [Fact]
    public async Task A_state_database_that_cannot_be_written_is_reported_and_the_containers_are_still_stopped_and_started()
    {
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(Path.Combine(StateDir, StateDatabase.FileName), "not a database, and never will be one");
        var docker = new FakeContainerControl(("web", true));
        var warnings = new List<string>();
        var journal = new ContainerStopJournal(Log, docker, "blog", warnings.Add);

        await using (await ContainerStopScope.StopRunningAsync(docker, ["web"], Ct, journal))
            Assert.False(docker.IsRunning("web"));

        Assert.True(docker.IsRunning("web"));
        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("could not record in ", warnings[0]);
        Assert.Contains("that container web is being stopped (if this run is killed, start it by hand): the state database", warnings[0]);
    }

    [Fact]
    public async Task A_stop_cancelled_while_Docker_carries_it_out_is_waited_out_before_the_start_so_the_container_runs_after()
    {
        var docker = new InFlightStops();
        using var cancel = new CancellationTokenSource();
        docker.StopBegun = cancel.Cancel; // Ctrl-C or SIGTERM while docker stop is under way

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ContainerStopScope.StopRunningAsync(docker, ["web"], cancel.Token));

        await docker.StopDone!; // the daemon's stop has ended: nothing may start the container after this
        Assert.True(docker.Running);
    }

    [Fact]
    public async Task Recovery_waits_out_a_stop_the_killed_process_left_under_way_before_starting_the_container()
    {
        var docker = new InFlightStops();
        await docker.BeginStopAsync(); // the killed process's request, which Docker goes on with
        Log.Add(nameof(InFlightStops), "blog", "web", ExitedProcess(), DateTimeOffset.UtcNow);

        Assert.NotNull(await StoppedContainerRecovery.RunAsync(Log, () => docker, Ct));

        await docker.StopDone!;
        Assert.True(docker.Running);
        Assert.Empty(Log.List());
    }

    /// <summary>
    /// One container, web, as Docker treats a stop whose request goes away: the daemon's stop goes on and ends a moment
    /// later; a start meanwhile finds the container still running and does nothing; a second stop waits for the first.
    /// </summary>
    private sealed class InFlightStops : IContainerControl
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile bool Running = true;
        public Task? StopDone;
        public Action? StopBegun;

        public Task<ContainerState> InspectAsync(string name, CancellationToken cancellationToken) =>
            Task.FromResult(new ContainerState(name, true, Running));

        public Task BeginStopAsync()
        {
            StopDone ??= Task.Run(async () =>
            {
                await _release.Task;
                Running = false;
            });
            return Task.CompletedTask;
        }

        public async Task StopAsync(string name, CancellationToken cancellationToken)
        {
            bool first = StopDone is null;
            await BeginStopAsync();
            if (first) StopBegun?.Invoke();
            if (!first || cancellationToken.IsCancellationRequested) EndTheStopSoon();
            await StopDone!.WaitAsync(cancellationToken);
        }

        public Task StartAsync(string name, CancellationToken cancellationToken)
        {
            if (StopDone is { IsCompleted: true }) Running = true;
            EndTheStopSoon(); // still running (the stop has not ended): docker start does nothing
            return Task.CompletedTask;
        }

        /// <summary>The daemon's stop ends a moment after the next request (the container took its SIGTERM).</summary>
        private void EndTheStopSoon() =>
            _ = Task.Delay(50, CancellationToken.None).ContinueWith(_ => _release.TrySetResult(), TaskScheduler.Default);
    }

    /// <summary>A control whose start of one container fails as Docker says when a port is taken; it knows no "removed".</summary>
    private sealed class FailingStarts(FakeContainerControl inner, string failing) : IContainerControl
    {
        public Task<ContainerState> InspectAsync(string name, CancellationToken cancellationToken) =>
            name == "removed" ? Task.FromResult(new ContainerState(name, false, false)) : inner.InspectAsync(name, cancellationToken);

        public Task StopAsync(string name, CancellationToken cancellationToken) => inner.StopAsync(name, cancellationToken);

        public Task StartAsync(string name, CancellationToken cancellationToken) =>
            name == failing || name == "removed"
                ? throw new ContainerControlException($"docker: cannot start {name}: {(name == "removed" ? "no such container" : "port is already allocated")}")
                : inner.StartAsync(name, cancellationToken);
    }

    public void Dispose() => _temp.Dispose();
}
