using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Crash.Tests;

/// <summary>
/// `lifeboat daemon` SIGKILLed at a random point of a scheduled backup job (on odd runs its job with it, so that no
/// clean stop of the job can help), then started again: the repository checks, the restarted daemon's next backup
/// succeeds and the app's container runs.
/// </summary>
public sealed class DaemonCrashTests(CrashDocker docker)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_daemon_killed_mid_job_and_started_again_leaves_a_repository_that_checks_a_running_container_and_a_next_backup_that_succeeds()
    {
        var daemon = docker.Daemon;
        using var series = new CrashSeries("daemon");
        var stack = await CrashStack.CreateAsync(series, docker, [("web", "stop")], schedule: "*/1 * * * * *");
        try
        {
            var lifeboat = stack.Lifeboat(series, docker);
            using (var first = new DaemonRun(lifeboat))
            {
                series.Measure(first.WaitForEnd(success: true));
                first.Stop();
            }
            series.Run(run =>
            {
                TestTrees.Mutate(stack.Paths["web"], series.Random);
                var delay = series.NextDelay();
                string killedLog;
                using (var killed = new DaemonRun(lifeboat))
                {
                    killed.WaitForStart();
                    var started = Stopwatch.StartNew();
                    while (started.Elapsed < delay && killed.JobRunning()) Thread.Sleep(1);
                    var job = killed.Job;
                    series.Count(killed.JobRunning());
                    if (run % 2 == 1 && job is { } child) ProcessRunner.Run("kill", ["-KILL", child.ToString()]);
                    killed.Kill();
                    // a job that outlived its daemon sees it gone and stops cleanly; it must have ended before the check
                    if (job is { } pid) WaitUntilGone(pid);
                    killedLog = killed.Log;
                }
                series.Check(stack.Repository);
                using (var again = new DaemonRun(lifeboat))
                {
                    again.WaitForEnd(success: true);
                    try
                    {
                        docker.RequireRunning(stack.Containers.Values, "once the restarted daemon's backup ended");
                    }
                    catch (CrashFailure e)
                    {
                        throw new CrashFailure($"{e.Message}; the killed daemon's log:\n{killedLog}\nthe restarted daemon's log:\n{again.Log}");
                    }
                    again.Stop();
                }
                series.RequireLatestRestores(stack.Repository, stack.Paths["web"], "--tag", "app:web");
            });
        }
        finally
        {
            docker.Remove(stack.Containers.Values);
        }
    }

    private static void WaitUntilGone(int pid)
    {
        var clock = Stopwatch.StartNew();
        while (File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal))
        {
            if (clock.Elapsed > Patience) throw new CrashFailure($"the daemon's job {pid} did not end within {Patience} of the daemon's kill");
            Thread.Sleep(10);
        }
    }

    /// <summary>A running `lifeboat daemon --json --listen off`, its log lines collected.</summary>
    private sealed class DaemonRun : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private readonly IReadOnlyDictionary<string, string?> _environment;

        public DaemonRun(LifeboatProcess lifeboat)
        {
            _environment = lifeboat.Environment;
            _process = lifeboat.Start(["daemon", "--json", "--listen", "off", "--grace", "30s"], _output);
        }

        public string Log
        {
            get { lock (_output) return _output.ToString(); }
        }

        private IEnumerable<JsonElement> Lines() => Log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => { try { return JsonDocument.Parse(line).RootElement.Clone(); } catch (JsonException) { return default; } })
            .Where(e => e.ValueKind == JsonValueKind.Object);

        private void WaitFor(Func<bool> condition, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > Patience) throw new CrashFailure($"waited {Patience} for {what}; the daemon's log:\n{Log}");
                if (_process.HasExited) throw new CrashFailure($"the daemon exited {_process.ExitCode} before {what}:\n{Log}");
                Thread.Sleep(5);
            }
        }

        public void WaitForStart() => WaitFor(() => Lines().Any(e => e.GetProperty("event").GetString() == "start") && Job is not null, "a job's start");

        /// <summary>Waits for the first job's end; returns how long the job took.</summary>
        public TimeSpan WaitForEnd(bool success)
        {
            WaitFor(() => Lines().Any(e => e.GetProperty("event").GetString() == "end"), "a job's end");
            var end = Lines().First(e => e.GetProperty("event").GetString() == "end");
            if (success && end.GetProperty("outcome").GetString() != "success")
                throw new CrashFailure($"the daemon's backup after the restart did not succeed:\n{Log}");
            return TimeSpan.FromSeconds(end.GetProperty("duration_seconds").GetDouble());
        }

        /// <summary>The daemon's running job (its child process that is not the unlock before it), or null.</summary>
        public int? Job
        {
            get
            {
                foreach (var task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
                {
                    var children = Path.Combine(task, "children");
                    if (!File.Exists(children)) continue;
                    foreach (var pid in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        try
                        {
                            var command = File.ReadAllText($"/proc/{pid}/cmdline");
                            if (command.Contains("\0backup\0", StringComparison.Ordinal)) return int.Parse(pid);
                        }
                        catch (IOException) { }
                    }
                }
                return null;
            }
        }

        /// <summary>Whether the job has not ended yet (no end line).</summary>
        public bool JobRunning() => !Lines().Any(e => e.GetProperty("event").GetString() == "end");

        public void Kill()
        {
            try { _process.Kill(entireProcessTree: false); } catch (InvalidOperationException) { }
            _process.WaitForExit();
        }

        /// <summary>SIGTERM, and the daemon must exit 0.</summary>
        public void Stop()
        {
            ProcessRunner.Run("kill", ["-TERM", _process.Id.ToString()]);
            if (!_process.WaitForExit(Patience)) throw new CrashFailure($"the daemon did not stop on SIGTERM:\n{Log}");
            _process.WaitForExit();
            if (_process.ExitCode != 0) throw new CrashFailure($"the daemon exited {_process.ExitCode} on SIGTERM:\n{Log}");
        }

        public void Dispose()
        {
            if (!_process.HasExited) Kill();
            _process.Dispose();
            SecretScan.CheckText(_environment, null, "the daemon's log holds", Log);
        }
    }
}
