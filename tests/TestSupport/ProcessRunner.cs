using System.Diagnostics;
using System.Text;

namespace Lifeboat.TestSupport;

/// <summary>What a finished child process left: its exit code and everything it printed.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout as bytes, for output that is not text (restic dump, binary cat).</summary>
    public byte[] StdoutBytes { get; init; } = [];

    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs a program with an argv list (no shell, no quoting). Arguments are passed as UTF-8: a path with
/// escaped non-UTF-8 bytes cannot be passed this way (.NET would turn the escapes into U+FFFD).
/// </summary>
public static class ProcessRunner
{
    /// <param name="onStdout">Told everything the child has written to stdout so far, each time more arrives: a test awaits a
    /// line the child prints (e.g. "waiting for the lock") instead of sleeping for a fixed time.</param>
    public static ProcessResult Run(string file, IEnumerable<string> args, IDictionary<string, string?>? env = null,
        string? stdin = null, TimeSpan? timeout = null, string? workingDirectory = null, Action<string>? onStdout = null)
    {
        var argList = args.ToList();
        var startInfo = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        foreach (var arg in argList) startInfo.ArgumentList.Add(arg);
        if (workingDirectory is not null) startInfo.WorkingDirectory = workingDirectory;
        if (env is not null)
        {
            foreach (var (name, value) in env)
            {
                // A null value removes an inherited variable.
                if (value is null) startInfo.Environment.Remove(name);
                else startInfo.Environment[name] = value;
            }
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {file}");
        var stdoutBuffer = new MemoryStream();
        var stdoutTask = onStdout is null
            ? process.StandardOutput.BaseStream.CopyToAsync(stdoutBuffer)
            : CopyTellingAsync(process.StandardOutput.BaseStream, stdoutBuffer, onStdout);
        var stderrTask = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                var bytes = new UTF8Encoding(false).GetBytes(stdin);
                process.StandardInput.BaseStream.Write(bytes);
            }
            process.StandardInput.Close(); // no stdin means EOF, never a wait on the terminal
        }
        catch (IOException)
        {
            // The child exited without reading its input; its exit code tells the rest.
        }

        var limit = timeout ?? TimeSpan.FromMinutes(5);
        if (!process.WaitForExit(limit))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', argList)} did not finish within {limit}");
        }
        process.WaitForExit(); // flushes the redirected streams
        stdoutTask.Wait();
        string stderr = stderrTask.Result;
        byte[] stdoutBytes = stdoutBuffer.ToArray();
        return new ProcessResult(process.ExitCode, Encoding.UTF8.GetString(stdoutBytes), stderr) { StdoutBytes = stdoutBytes };
    }

    private static async Task CopyTellingAsync(Stream from, MemoryStream to, Action<string> onStdout)
    {
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await from.ReadAsync(buffer)) > 0)
        {
            to.Write(buffer, 0, n);
            onStdout(Encoding.UTF8.GetString(to.GetBuffer(), 0, (int)to.Length));
        }
    }
}
