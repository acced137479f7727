using System.Diagnostics;
using System.Text;
using Lifeboat.TestSupport;

namespace Lifeboat.Crash.Tests;

/// <summary>How a run that was to be killed ended: killed part way, or finished before the kill came.</summary>
public sealed record KilledRun(bool KilledMidOperation, int Pid, TimeSpan Delay, string Output);

/// <summary>
/// The real `lifeboat` binary run as <see cref="LifeboatCli"/> runs it (its clean environment and its secret scan of
/// every output, a killed run's included), with the series' own repository, password, state directory and Docker;
/// run to the end or SIGKILLed after a delay.
/// </summary>
public sealed class LifeboatProcess
{
    private readonly LifeboatCli _cli;

    public LifeboatProcess(string stateDirectory) =>
        _cli = new LifeboatCli().With("LIFEBOAT_STATE_DIR", stateDirectory).With("LIFEBOAT_CONFIG", null).With("DOCKER_HOST", null);

    public LifeboatProcess With(string name, string? value)
    {
        _cli.With(name, value);
        return this;
    }

    public IReadOnlyDictionary<string, string?> Environment => _cli.Environment;

    public ProcessResult Run(params string[] args) => _cli.Run(args);

    /// <summary>Runs to the end; throws with lifeboat's output unless it exits 0.</summary>
    public ProcessResult RunChecked(params string[] args)
    {
        var result = Run(args);
        if (result.ExitCode != 0)
            throw new CrashFailure($"lifeboat {string.Join(' ', args)} exited {result.ExitCode}\nstdout: {result.Stdout}\nstderr: {result.Stderr}");
        return result;
    }

    /// <summary>Starts lifeboat with its output collected, for a caller that kills it itself.</summary>
    public Process Start(IEnumerable<string> args, StringBuilder output)
    {
        var start = new ProcessStartInfo(LifeboatCli.Binary)
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in _cli.Environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("lifeboat did not start");
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs lifeboat and sends it SIGKILL after <paramref name="delay"/> unless it has ended by then.</summary>
    public KilledRun RunKilledAfter(TimeSpan delay, params string[] args)
    {
        var output = new StringBuilder();
        using var process = Start(args, output);
        bool killed = false;
        if (!process.WaitForExit(delay))
        {
            try
            {
                process.Kill(entireProcessTree: false);
                killed = true;
            }
            catch (InvalidOperationException)
            {
                // it ended between the wait and the kill
            }
        }
        process.WaitForExit();
        string printed;
        lock (output) printed = output.ToString();
        SecretScan.CheckText(_cli.Environment, null, $"lifeboat {string.Join(' ', args)} (to be killed after {delay.TotalMilliseconds:F0} ms) printed", printed);
        return new KilledRun(killed, process.Id, delay, printed);
    }
}
