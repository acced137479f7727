using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>A running `lifeboat daemon --json`, its log lines collected as they come.</summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly Dictionary<string, string?> _environment;
    private readonly Task _pump;
    public readonly ConcurrentQueue<JsonElement> Lines = new();
    public readonly ConcurrentQueue<string> Raw = new();

    public DaemonProcess(string configPath, string stateDir, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(LifeboatCli.Binary)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "daemon", "--json", "--listen", "127.0.0.1:0", "--grace", "30s" }) start.ArgumentList.Add(a);
        start.Environment["LIFEBOAT_CONFIG"] = configPath;
        start.Environment["LIFEBOAT_STATE_DIR"] = stateDir;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        foreach (var name in new[] { "RESTIC_REPOSITORY", "RESTIC_REPOSITORY_FILE", "RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE" }) start.Environment.Remove(name);
        _environment = start.Environment.Where(e => e.Key.StartsWith("LIFEBOAT_", StringComparison.Ordinal) || e.Key.StartsWith("RESTIC_", StringComparison.Ordinal)
            || e.Key.StartsWith("AWS_", StringComparison.Ordinal) || (environment?.ContainsKey(e.Key) ?? false)).ToDictionary(e => e.Key, e => e.Value);
        _process = Process.Start(start)!;
        _process.StandardInput.Close();
        _pump = Task.Run(async () =>
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                Raw.Enqueue(line);
                try { Lines.Enqueue(JsonDocument.Parse(line).RootElement.Clone()); }
                catch (JsonException) { Raw.Enqueue("NOT JSON: " + line); }
            }
        });
        _ = Task.Run(async () =>
        {
            while (await _process.StandardError.ReadLineAsync() is { } line) Raw.Enqueue("stderr: " + line);
        });
    }

    public int Pid => _process.Id;
    /// <summary>The daemon's repository, config and credential variables, for the secret scan of what it serves.</summary>
    public IReadOnlyDictionary<string, string?> Environment => _environment;
    public string Log => string.Join('\n', Raw);

    public IEnumerable<JsonElement> Events(string evt) => Lines.Where(l => l.GetProperty("event").GetString() == evt);

    public IEnumerable<JsonElement> Ends(string job) => Events("end").Where(l => l.GetProperty("job").GetString() == job);

    public IEnumerable<string> Messages => Lines.Where(l => l.TryGetProperty("message", out _)).Select(l => l.GetProperty("message").GetString()!);

    public void WaitFor(Func<DaemonProcess, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition(this))
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"waited {timeout} for {what}; the daemon's log:\n{Log}");
            if (_process.HasExited && !condition(this)) throw new InvalidOperationException($"the daemon exited {_process.ExitCode} before {what}:\n{Log}");
            Thread.Sleep(100);
        }
    }

    public void Signal(string name) => Assert.True(ProcessRunner.Run("kill", [$"-{name}", Pid.ToString()]).Succeeded);

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) throw new TimeoutException($"the daemon did not exit within {timeout}:\n{Log}");
        _process.WaitForExit();
        _pump.Wait(TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    /// <summary>The daemon's children (the job processes).</summary>
    public List<int> Children() =>
        Directory.EnumerateDirectories($"/proc/{Pid}/task").Select(task => Path.Combine(task, "children")).Where(File.Exists)
            .SelectMany(f => File.ReadAllText(f).Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToList();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _process.WaitForExit();
        }
        _process.Dispose();
        // Every line the daemon logged goes through the suite's secret scan, as every CLI output does.
        SecretScan.CheckText(_environment, null, "the daemon's log holds", Log);
    }
}

