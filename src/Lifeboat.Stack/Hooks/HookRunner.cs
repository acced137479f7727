using System.ComponentModel;
using System.Diagnostics;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Hooks;

/// <summary>
/// Runs one hook as a child process: without a shell (argv), or with /bin/sh -c for a shell: hook; stdin empty;
/// each line of its stdout and stderr handed to the caller as it comes. A hook still running at its timeout, or when
/// the caller cancels, is killed with its whole process tree.
/// </summary>
public static class HookRunner
{
    /// <summary>
    /// How long the output of a hook that ended is still read: a child it left running in the background (or that
    /// escaped the kill) may hold the pipes open, and must not hold up the job.
    /// </summary>
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs the hook and returns how it ended; <paramref name="output"/> gets each line (never two at once). A
    /// cancellation kills the hook and is thrown.
    /// </summary>
    public static async Task<HookResult> RunAsync(string name, HookConfig hook, IReadOnlyDictionary<string, string?> environment,
        string workingDirectory, Action<string> output, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (key, value) in environment)
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        if (hook.Shell is { } script)
        {
            start.FileName = "/bin/sh";
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
        }
        else
        {
            var program = FindProgram(hook.Command![0], workingDirectory, start.Environment.TryGetValue("PATH", out var path) ? path : null);
            if (program is null || !File.Exists(program))
                return new HookResult { Name = name, Hook = hook, StartError = $"{hook.Command[0]} was not found{(program is null ? " in PATH" : program == hook.Command[0] ? "" : $" (looked for {program})")}" };
            start.FileName = program;
            foreach (var argument in hook.Command.Skip(1)) start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            var program = hook.Shell is null ? hook.Command![0] : "/bin/sh";
            var reason = e.NativeErrorCode switch
            {
                13 => $"{program} is not executable; chmod +x it", // EACCES
                8 => $"{program} is not a program; a script needs a #! line, e.g. #!/bin/sh", // ENOEXEC
                _ => e.Message,
            };
            return new HookResult { Name = name, Hook = hook, StartError = reason };
        }
        process.StandardInput.Close();

        var gate = new Lock();
        string? lastErrorLine = null;
        bool ended = false; // lines a background child writes after the hook ended are not the hook's
        var pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput, line => { lock (gate) if (!ended) output(line); }),
            PumpAsync(process.StandardError, line =>
            {
                lock (gate)
                {
                    if (ended) return;
                    if (line.Trim().Length > 0) lastErrorLine = line.Trim();
                    output(line);
                }
            }));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(hook.Timeout);
        bool killed = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            killed = true;
        }
        await Task.WhenAny(pumps, Task.Delay(Drain, CancellationToken.None)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            ended = true;
            return killed
                ? new HookResult { Name = name, Hook = hook, TimedOut = true, LastErrorLine = lastErrorLine }
                : new HookResult { Name = name, Hook = hook, ExitCode = process.ExitCode, LastErrorLine = lastErrorLine };
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // it exited meanwhile
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> line)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } text) line(text);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // the hook ended and its process was disposed while a background child still held the pipe
        }
    }

    /// <summary>
    /// Why <paramref name="hook"/> could not start from <paramref name="workingDirectory"/> (the config's) with this
    /// PATH, or null when its program is there and executable; doctor's check, before a night's run finds out.
    /// </summary>
    public static string? StartProblem(HookConfig hook, string workingDirectory, string? path)
    {
        var word = hook.Shell is null ? hook.Command![0] : "/bin/sh";
        var program = hook.Shell is null ? FindProgram(word, workingDirectory, path) : word;
        if (program is null) return $"{word} was not found in PATH";
        if (!File.Exists(program)) return $"{word} was not found{(program == word ? "" : $" (looked for {program})")}";
        if ((File.GetUnixFileMode(program) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
            return $"{word} is not executable; chmod +x it";
        return null;
    }

    /// <summary>
    /// The program as a shell finds it: a name with a slash relative to the working directory (the config's), any
    /// other name in PATH only (.NET would also look beside lifeboat and in its current directory).
    /// </summary>
    internal static string? FindProgram(string program, string workingDirectory, string? path)
    {
        if (program.Contains('/')) return Path.GetFullPath(program, workingDirectory);
        foreach (var directory in (path ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(Path.GetFullPath(directory, workingDirectory), program);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                return candidate;
        }
        return null;
    }
}
