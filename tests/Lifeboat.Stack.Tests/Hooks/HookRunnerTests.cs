using System.Diagnostics;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Hooks;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Hooks;

/// <summary>One hook as a real child process: its output, exit, timeout (with its children), environment and directory.</summary>
public sealed class HookRunnerTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly List<string> _lines = [];
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    public void Dispose() => _temp.Dispose();

    private Task<HookResult> RunAsync(HookConfig hook, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken? cancellationToken = null) =>
        HookRunner.RunAsync("backup.before", hook, environment ?? NoEnvironment, _temp.Path, _lines.Add, cancellationToken ?? TestContext.Current.CancellationToken);

    [Fact]
    public async Task OutputLinesAreHandedOverAndTheLastStderrLineNamesTheFailure()
    {
        var result = await RunAsync(new HookConfig { Shell = "echo out one; echo err one >&2; echo out two; echo 'db is busy' >&2; echo >&2; exit 3" });
        Assert.False(result.Succeeded);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("db is busy", result.LastErrorLine);
        Assert.Equal(["out one", "out two"], _lines.Where(l => l.StartsWith("out", StringComparison.Ordinal)));
        Assert.Equal(["err one", "db is busy", ""], _lines.Where(l => !l.StartsWith("out", StringComparison.Ordinal)));
        Assert.Equal("hook backup.before (echo out one; echo err one >&2; echo out two; echo 'db is busy' >&2; echo >&2; exit 3) failed: exit code 3: db is busy", result.Describe());
    }

    [Fact]
    public async Task AShellPipelineRunsWithBinSh()
    {
        var result = await RunAsync(new HookConfig { Shell = "printf 'b\\na\\nc\\n' | sort | tr a-z A-Z > sorted.txt && cat sorted.txt" });
        Assert.True(result.Succeeded);
        Assert.Equal(["A", "B", "C"], _lines);
        Assert.Equal("A\nB\nC\n", File.ReadAllText(_temp.Combine("sorted.txt")));
    }

    [Fact]
    public async Task ACommandRunsWithoutAShellInTheWorkingDirectoryWithEmptyStdin()
    {
        var script = _temp.Combine("scripts/show.sh");
        Directory.CreateDirectory(Path.GetDirectoryName(script)!);
        File.WriteAllText(script, "#!/bin/sh\nprintf '%s\\n' \"$@\"\npwd\ncat\necho \"X=$X\"\necho \"HOME=${HOME-unset}\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.NotNull(Environment.GetEnvironmentVariable("HOME"));
        var result = await RunAsync(new HookConfig { Command = ["./scripts/show.sh", "a b", "$HOME", "*"] },
            new Dictionary<string, string?> { ["X"] = "given", ["HOME"] = null });
        Assert.True(result.Succeeded, string.Join('\n', _lines));
        // the words reach the program as they are: no splitting, no expansion, no globbing; stdin is empty at once
        Assert.Equal(["a b", "$HOME", "*", _temp.Path, "X=given", "HOME=unset"], _lines);
    }

    [Fact]
    public async Task AProgramThatIsNotThereCannotStart()
    {
        var result = await RunAsync(new HookConfig { Command = ["lifeboat-no-such-program", "x"] });
        Assert.False(result.Succeeded);
        Assert.Equal("hook backup.before (lifeboat-no-such-program x) could not start: lifeboat-no-such-program was not found in PATH", result.Describe());
        var relative = await RunAsync(new HookConfig { Command = ["./missing.sh"] });
        Assert.Equal($"hook backup.before (./missing.sh) could not start: ./missing.sh was not found (looked for {_temp.Combine("missing.sh")})", relative.Describe());
        File.WriteAllText(_temp.Combine("plain.sh"), "#!/bin/sh\necho hi\n");
        var notExecutable = await RunAsync(new HookConfig { Command = ["./plain.sh"] });
        Assert.Equal("hook backup.before (./plain.sh) could not start: ./plain.sh is not executable; chmod +x it", notExecutable.Describe());
    }

    [Fact]
    public async Task ATimeoutKillsTheHookWithItsChildren()
    {
        var pidFile = _temp.Combine("child.pid");
        var clock = Stopwatch.StartNew();
        var result = await RunAsync(new HookConfig { Shell = $"sleep 60 & echo $! > {pidFile}; echo started; wait", Timeout = TimeSpan.FromSeconds(1) });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        Assert.Equal($"hook backup.before (sleep 60 & echo $! > {pidFile}; echo started; wait) timed out after 1s", result.Describe());
        Assert.Contains("started", _lines);
        int child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        // the child is gone (a zombie not yet reaped by init counts as gone: it runs no more)
        var deadline = Stopwatch.StartNew();
        while (IsRunning(child) && deadline.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(IsRunning(child), $"the hook's child {child} still runs");
    }

    [Fact]
    public async Task AChildLeftRunningInTheBackgroundDoesNotHoldTheHookUp()
    {
        var pidFile = _temp.Combine("daemon.pid");
        var clock = Stopwatch.StartNew();
        var result = await RunAsync(new HookConfig { Shell = $"sleep 30 & echo $! > {pidFile}; echo started", Timeout = TimeSpan.FromSeconds(20) });
        try
        {
            Assert.True(result.Succeeded, result.Describe());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            Assert.Equal(["started"], _lines);
        }
        finally
        {
            Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture)).Kill();
        }
    }

    [Fact]
    public async Task CancellingKillsTheHookAndIsThrown()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(new HookConfig { Command = ["sleep", "60"] }, cancellationToken: cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20));
    }

    private static bool IsRunning(int pid)
    {
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status)) return false;
        try
        {
            return !File.ReadLines(status).Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z'));
        }
        catch (IOException)
        {
            return false;
        }
    }
}
