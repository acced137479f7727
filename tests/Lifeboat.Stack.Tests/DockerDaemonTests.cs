using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// The private dockerd itself: each test starts its own daemon and checks that disposing it leaves no process, no
/// mount and no folder behind, also after the daemon died by SIGKILL with a container running.
/// </summary>
public sealed class DockerDaemonTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void SkipUnlessAvailable()
    {
        if (DockerDaemon.UnavailableReason() is { } reason) Assert.Skip(reason);
    }

    [Fact]
    public async Task Dispose_stops_everything_and_removes_its_folder()
    {
        SkipUnlessAvailable();
        var daemon = await DockerDaemon.StartAsync(Ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"dockerd answered /_ping after {daemon.StartupTime.TotalMilliseconds:0} ms");
        string root = daemon.RootPath;
        int dockerdPid = daemon.ProcessId;
        int containerPid;
        try
        {
            using var dir = new TempDirectory("lb-docker-test");
            // No TERM trap: PID 1 in a container ignores SIGTERM, so only a kill gets rid of it quickly.
            daemon.RunContainer("lb-left-running", new Dictionary<string, string> { [dir.Path] = "/data" },
                "echo started > /data/started; while true; do sleep 1; done");
            DockerDaemonFixture.WaitForFile(dir.Combine("started"));
            containerPid = int.Parse(daemon.RunDocker("inspect", "--format", "{{.State.Pid}}", "lb-left-running").Stdout.Trim());
            Assert.True(containerPid > 0);
            Assert.Contains(Mounts(), m => m.StartsWith(root + "/", StringComparison.Ordinal));
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await daemon.DisposeAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"dispose took {watch.ElapsedMilliseconds} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"dispose took {watch.Elapsed}");
        AssertGone(root, dockerdPid, containerPid);
        await daemon.DisposeAsync(); // twice is fine
    }

    [Fact]
    public async Task Dispose_cleans_up_after_a_daemon_killed_with_a_container_running()
    {
        SkipUnlessAvailable();
        var daemon = await DockerDaemon.StartAsync(Ct);
        string root = daemon.RootPath;
        int dockerdPid = daemon.ProcessId;
        int containerPid;
        using var dir = new TempDirectory("lb-docker-test");
        try
        {
            daemon.RunContainer("lb-orphan", new Dictionary<string, string> { [dir.Path] = "/data" },
                "trap 'exit 0' TERM; echo started > /data/started; while true; do sleep 0.1; done");
            DockerDaemonFixture.WaitForFile(dir.Combine("started"));
            containerPid = int.Parse(daemon.RunDocker("inspect", "--format", "{{.State.Pid}}", "lb-orphan").Stdout.Trim());
            // dockerd dies without cleaning up: containerd, the shim and the container keep running, mounts stay.
            System.Diagnostics.Process.GetProcessById(dockerdPid).Kill();
            System.Diagnostics.Process.GetProcessById(dockerdPid).WaitForExit();
            Assert.True(Directory.Exists($"/proc/{containerPid}"), "the container outlives its daemon");
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }

        await daemon.DisposeAsync();
        AssertGone(root, dockerdPid, containerPid);
    }

    private static void AssertGone(string root, int dockerdPid, int containerPid)
    {
        Assert.False(IsAlive(dockerdPid), "dockerd still runs");
        Assert.False(IsAlive(containerPid), "the container's process still runs");
        foreach (string proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out int pid) || !IsAlive(pid)) continue;
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { continue; }
            Assert.DoesNotContain(root, cmdline);
        }
        Assert.DoesNotContain(Mounts(), m => m == root || m.StartsWith(root + "/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(root), $"{root} is still there");
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static List<string> Mounts() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).ToList();
}
