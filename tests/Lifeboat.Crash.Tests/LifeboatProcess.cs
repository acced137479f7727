using System.Diagnostics;
using System.Text;
using Lifeboat.TestSupport;

namespace Lifeboat.Crash.Tests;

/// <summary>How a run that was to be killed ended: killed part way, or finished before the kill came.</summary>
public sealed record KilledRun(bool KilledMidOperation, int Pid, TimeSpan Delay, string Output);

/// <summary>
/// The real `lifeboat` binary (<see cref="LifeboatCli.Binary"/>) with an environment of the series' own (repository,
/// password, state directory, Docker), run to the end or SIGKILLed after a delay.
/// </summary>
public sealed class LifeboatProcess
{
    private readonly Dictionary<string, string?> _env = new()
    {
        ["RESTIC_REPOSITORY"] = null, ["RESTIC_REPOSITORY_FILE"] = null, ["RESTIC_PASSWORD"] = null,
        ["RESTIC_PASSWORD_FILE"] = null, ["RESTIC_PASSWORD_COMMAND"] = null, ["RESTIC_COMPRESSION"] = null,
        ["RESTIC_PACK_SIZE"] = null, ["RESTIC_CACHE_DIR"] = null, ["RESTIC_KEY_HINT"] = null, ["RESTIC_HOST"] = null,
        ["LIFEBOAT_REPOSITORY"] = null, ["LIFEBOAT_PASSWORD"] = null, ["LIFEBOAT_PASSWORD_FILE"] = null,
        ["LIFEBOAT_PASSWORD_COMMAND"] = null, ["LIFEBOAT_COMPRESSION"] = null, ["LIFEBOAT_PACK_SIZE"] = null,
        ["LIFEBOAT_CONFIG"] = null, ["DOCKER_HOST"] = null,
    };

    public LifeboatProcess(string stateDirectory) => _env["LIFEBOAT_STATE_DIR"] = stateDirectory;

    public LifeboatProcess With(string name, string? value)
    {
        _env[name] = value;
        return this;
    }

    public IReadOnlyDictionary<string, string?> Environment => _env;

    public ProcessResult Run(params string[] args) => ProcessRunner.Run(LifeboatCli.Binary, args, _env, timeout: TimeSpan.FromMinutes(5));

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
        foreach (var (name, value) in _env)
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
        lock (output) return new KilledRun(killed, process.Id, delay, output.ToString());
    }
}
