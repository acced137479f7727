using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Lifeboat.TestSupport;

namespace Lifeboat.Dashboard.Tests;

/// <summary>
/// The real `lifeboat` binary serving the dashboard (`lifeboat dashboard`, or the daemon) on a port the system chose
/// (--listen ADDR:0, the address read from its first line); stopped by its PID with SIGTERM, and killed if it ignores it.
/// </summary>
public sealed partial class DashboardProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _configPath;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly bool _terminateWhenServing;

    public DashboardProcess(string configPath, string stateDirectory, params string[] args)
        : this(configPath, stateDirectory, terminateWhenServing: false, args)
    {
    }

    /// <param name="terminateWhenServing">SIGTERM it from the reader the moment the serving line arrives, with no
    /// process or thread switch in between: the shortest time a supervisor could take to stop it once it listens.</param>
    public DashboardProcess(string configPath, string stateDirectory, bool terminateWhenServing, params string[] args)
    {
        _configPath = configPath;
        _terminateWhenServing = terminateWhenServing;
        var start = new ProcessStartInfo(LifeboatCli.Binary)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["LIFEBOAT_CONFIG"] = configPath;
        start.Environment["LIFEBOAT_STATE_DIR"] = stateDirectory;
        foreach (var name in new[] { "RESTIC_REPOSITORY", "RESTIC_REPOSITORY_FILE", "RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND" })
            start.Environment.Remove(name);
        _process = Process.Start(start)!;
        _process.StandardInput.Close();
        _ = Pump(_process.StandardOutput, "");
        _ = Pump(_process.StandardError, "stderr: ");
        _ = _process.WaitForExitAsync().ContinueWith(_ => _address.TrySetException(new InvalidOperationException($"lifeboat exited before it listened:\n{Output}")), TaskScheduler.Default);
    }

    /// <summary>The base address, e.g. http://127.0.0.1:41234, once the server listens.</summary>
    public string Address => _address.Task.WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();

    public int Pid => _process.Id;
    public string Output => string.Join('\n', _output);

    private async Task Pump(StreamReader reader, string prefix)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            _output.Enqueue(prefix + line);
            // `dashboard: serving URL for FILE`, or the daemon's `listening on URL`
            if (ServingLine().Match(line) is { Success: true } m)
            {
                if (_terminateWhenServing) Terminate(_process.Id, 15);
                _address.TrySetResult(m.Groups[1].Value);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Terminate(int pid, int signal);

    [GeneratedRegex(@"(?:serving|listening on) (https?://[^ ""]+)")]
    private static partial Regex ServingLine();

    /// <summary>SIGTERM by PID; the exit code once it has stopped.</summary>
    public int Stop()
    {
        // once: a second SIGTERM could arrive after its handlers are gone, in the last moments of its exit
        if (!_process.HasExited && !_terminateWhenServing) ProcessRunner.Run("kill", ["-TERM", _process.Id.ToString()]);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            _process.Kill();
            _process.WaitForExit();
            throw new TimeoutException($"lifeboat (PID {_process.Id}) ignored SIGTERM for 30 s; killed:\n{Output}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(); } catch (InvalidOperationException) { }
            _process.WaitForExit();
        }
        _process.Dispose();
        // what it logged goes through the suite's secret scan, as every CLI output does
        SecretScan.CheckText(new Dictionary<string, string?> { ["LIFEBOAT_CONFIG"] = _configPath }, null, "the dashboard's log holds", Output);
    }
}
