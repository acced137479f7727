using System.Diagnostics;
using Lifeboat.Stack.Containers;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// A Lifeboat process SIGKILLed while an app's container is stopped (nothing of it runs to start the container again)
/// on a private dockerd: the next `lifeboat backup`, the daemon after the killed job, or the daemon restarted after
/// being killed with its job, starts the container and says so. The window is made certain by a command dump (it runs
/// while a `consistency: stop` app's containers are stopped) that waits until the test releases it.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class KilledLifeboatDockerTests(DockerDaemonFixture fixture) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly List<int> _dumpProcesses = [];

    private sealed record Stack(string Config, string AppDir, string Container, string Hold, string DumpPid);

    /// <summary>
    /// App web, consistency stop, with its running trapping container and a command dump that, while HOLD exists,
    /// writes its PID and sleeps (holding the backup with the container stopped); without HOLD it prints a line.
    /// </summary>
    private Stack MakeStack(DockerDaemon daemon, string? schedule = null)
    {
        var appDir = _temp.Combine("srv/web");
        Directory.CreateDirectory(appDir);
        File.WriteAllText(Path.Combine(appDir, "index.html"), "<h1>hello</h1>");
        var stack = new Stack(_temp.Combine("lifeboat.yaml"), appDir, DockerDaemonFixture.UniqueName("web"), _temp.Combine("hold"), _temp.Combine("dump.pid"));
        DockerDaemonFixture.RunTrappingContainer(daemon, stack.Container, appDir);
        File.WriteAllText(stack.Config, $"""
            repository: {_temp.Combine("repo")}
            password-file: {_temp.Combine("password")}
            apps:
              web:
                paths: [{appDir}]
                containers: [{stack.Container}]
                consistency: stop
                dumps:
                  - kind: command
                    name: held
                    command: [sh, -c, "if [ -e {stack.Hold} ]; then echo $$ > {stack.DumpPid}.tmp; mv {stack.DumpPid}.tmp {stack.DumpPid}; exec sleep 600; fi; echo dumped"]
            {(schedule is null ? "" : $"schedule:\n  backup: \"{schedule}\"\n")}
            """);
        File.WriteAllText(stack.Hold, "");
        return stack;
    }

    private LifeboatCli Cli(DockerDaemon daemon, Stack stack) => new LifeboatCli()
        .With("LIFEBOAT_CONFIG", stack.Config).With("DOCKER_HOST", daemon.SocketUri.ToString()).With("LIFEBOAT_STATE_DIR", _temp.Combine("state"));

    /// <summary>Waits until the dump holds the backup: the container is stopped and stays so until the test releases it.</summary>
    private async Task WaitForTheHeldDumpAsync(DockerContainerControl docker, Stack stack, Func<string> context)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(stack.DumpPid) || (await docker.InspectAsync(stack.Container, Ct)).Running)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(1)) throw new TimeoutException($"the backup never held the stopped container:\n{context()}");
            await Task.Delay(20, Ct);
        }
        _dumpProcesses.Add(int.Parse(File.ReadAllText(stack.DumpPid).Trim()));
    }

    /// <summary>Lets the dump end quickly from now on, and ends the one a killed backup left sleeping.</summary>
    private void Release(Stack stack)
    {
        File.Delete(stack.Hold);
        foreach (int pid in _dumpProcesses) ProcessRunner.Run("kill", ["-KILL", pid.ToString()]);
    }

    private static async Task WaitUntilRunningAsync(DockerContainerControl docker, string container, Func<string> context)
    {
        var clock = Stopwatch.StartNew();
        while (!(await docker.InspectAsync(container, Ct)).Running)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(1)) throw new TimeoutException($"container {container} was not started again:\n{context()}");
            await Task.Delay(50, Ct);
        }
    }

    private static string RecoveryLine(string container, int pid) =>
        $"container {container} (app web) was left stopped by lifeboat process {pid}, which ended before starting it again: started container {container} again";

    [Fact]
    public async Task A_backup_killed_while_the_container_is_stopped_leaves_it_to_the_next_backup_which_starts_it_and_says_so()
    {
        var daemon = fixture.Daemon;
        var stack = MakeStack(daemon);
        using var docker = new DockerContainerControl(daemon.SocketUri);
        try
        {
            var cli = Cli(daemon, stack);
            cli.RunChecked("init");
            var start = new ProcessStartInfo(LifeboatCli.Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("backup");
            start.Environment["LIFEBOAT_CONFIG"] = stack.Config;
            start.Environment["LIFEBOAT_STATE_DIR"] = _temp.Combine("state");
            start.Environment["DOCKER_HOST"] = daemon.SocketUri.ToString();
            using var killed = Process.Start(start)!;
            var output = Task.WhenAll(killed.StandardOutput.ReadToEndAsync(Ct), killed.StandardError.ReadToEndAsync(Ct));
            await WaitForTheHeldDumpAsync(docker, stack, () => "");
            killed.Kill();
            await killed.WaitForExitAsync(Ct);
            await output;
            Release(stack);
            Assert.False((await docker.InspectAsync(stack.Container, Ct)).Running); // nothing started it: it would stay stopped for good

            var next = cli.Run("backup");

            Assert.True(next.ExitCode == 0, next.Stdout + next.Stderr);
            Assert.Contains(RecoveryLine(stack.Container, killed.Id), next.Stderr);
            Assert.True((await docker.InspectAsync(stack.Container, Ct)).Running);
            // and the record is gone: a third run has nothing to say
            Assert.DoesNotContain("left stopped", cli.RunChecked("backup").Stderr);
        }
        finally
        {
            Release(stack);
            daemon.TryRunDocker("rm", "-f", stack.Container);
        }
    }

    [Fact]
    public async Task The_daemon_starts_the_container_of_a_job_killed_while_it_was_stopped_and_logs_it()
    {
        var daemon = fixture.Daemon;
        var stack = MakeStack(daemon, schedule: "*/1 * * * * *");
        using var docker = new DockerContainerControl(daemon.SocketUri);
        try
        {
            Cli(daemon, stack).RunChecked("init");
            using var lifeboat = new DaemonProcess(stack.Config, _temp.Combine("state"), new Dictionary<string, string> { ["DOCKER_HOST"] = daemon.SocketUri.ToString() });
            await WaitForTheHeldDumpAsync(docker, stack, () => lifeboat.Log);
            int job = Assert.Single(lifeboat.Children());
            Release(stack); // the jobs after the killed one run through
            Assert.True(ProcessRunner.Run("kill", ["-KILL", job.ToString()]).Succeeded);

            lifeboat.WaitFor(d => d.Messages.Any(m => m.Contains("left stopped")), TimeSpan.FromMinutes(1), "the recovery");
            Assert.Contains($"backup: {RecoveryLine(stack.Container, job)}", lifeboat.Messages);
            await WaitUntilRunningAsync(docker, stack.Container, () => lifeboat.Log);
            var end = lifeboat.Ends("backup").First();
            Assert.Equal("failure", end.GetProperty("outcome").GetString());
        }
        finally
        {
            Release(stack);
            daemon.TryRunDocker("rm", "-f", stack.Container);
        }
    }

    [Fact]
    public async Task A_daemon_killed_with_its_job_starts_the_container_when_it_is_started_again()
    {
        var daemon = fixture.Daemon;
        var stack = MakeStack(daemon, schedule: "*/1 * * * * *");
        using var docker = new DockerContainerControl(daemon.SocketUri);
        var env = new Dictionary<string, string> { ["DOCKER_HOST"] = daemon.SocketUri.ToString() };
        try
        {
            Cli(daemon, stack).RunChecked("init");
            int job;
            using (var first = new DaemonProcess(stack.Config, _temp.Combine("state"), env))
            {
                await WaitForTheHeldDumpAsync(docker, stack, () => first.Log);
                job = Assert.Single(first.Children());
                // stopped first, the daemon cannot act between the two kills, and the job cannot see its parent go first
                first.Signal("STOP");
                Assert.True(ProcessRunner.Run("kill", ["-KILL", job.ToString()]).Succeeded);
                first.Signal("KILL");
                first.WaitForExit(TimeSpan.FromMinutes(1));
            }
            Release(stack);
            Assert.False((await docker.InspectAsync(stack.Container, Ct)).Running);

            using var second = new DaemonProcess(stack.Config, _temp.Combine("state"), env);
            second.WaitFor(d => d.Messages.Any(m => m.Contains("left stopped")), TimeSpan.FromMinutes(1), "the recovery");
            // at start, before any job: the line has no job's label
            Assert.Equal(RecoveryLine(stack.Container, job), second.Messages.First(m => m.Contains("left stopped")));
            await WaitUntilRunningAsync(docker, stack.Container, () => second.Log);
        }
        finally
        {
            Release(stack);
            daemon.TryRunDocker("rm", "-f", stack.Container);
        }
    }

    public void Dispose() => _temp.Dispose();
}
