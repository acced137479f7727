using System.Diagnostics;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// --retry-lock against a real second process: restic itself, holding its lock while `backup --stdin` waits for the
/// end of its input.
/// </summary>
public class RetryLockTests : CliTestBase
{
    /// <summary>A running `restic backup --stdin`: its lock stays until <see cref="Finish"/> closes its input.</summary>
    private sealed class ResticHoldingALock : IDisposable
    {
        private readonly Process _process;

        public ResticHoldingALock(string repository, string password, string cacheDirectory)
        {
            var psi = new ProcessStartInfo(Restic.Binary) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in (string[])["--cache-dir", cacheDirectory, "backup", "--stdin", "--stdin-filename", "held.txt"]) psi.ArgumentList.Add(arg);
            psi.Environment["RESTIC_REPOSITORY"] = repository;
            psi.Environment["RESTIC_PASSWORD"] = password;
            foreach (var name in (string[])["RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND", "RESTIC_REPOSITORY_FILE", "RESTIC_CACHE_DIR"]) psi.Environment.Remove(name);
            _process = Process.Start(psi)!;
            _process.StandardInput.Write("held while restic reads it");
            _process.StandardInput.Flush();
            var locks = Path.Combine(repository, "locks");
            var waited = Stopwatch.StartNew();
            while (!(Directory.Exists(locks) && Directory.GetFiles(locks).Length > 0))
            {
                if (_process.HasExited || waited.Elapsed > TimeSpan.FromSeconds(60))
                    throw new InvalidOperationException($"restic wrote no lock: {_process.StandardError.ReadToEnd()}");
                Thread.Sleep(50);
            }
        }

        /// <summary>Ends restic's input: it saves its snapshot, removes its lock and exits.</summary>
        public int Finish()
        {
            _process.StandardInput.Close();
            var output = _process.StandardOutput.ReadToEndAsync();
            var error = _process.StandardError.ReadToEndAsync();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(60))) throw new TimeoutException("restic did not finish");
            Task.WaitAll(output, error);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.Dispose();
        }
    }

    private ResticHoldingALock HoldLock()
    {
        using var restic = new Restic(Repo, Password);
        restic.Init();
        return new ResticHoldingALock(Repo, Password, Temp.Combine("restic-cache"));
    }

    [Fact]
    public async Task WaitsForTheLock_AndRunsOnceItIsGone()
    {
        using var holder = HoldLock();
        // check wants an exclusive lock, which restic's shared backup lock blocks
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Task.Run(() => Cli.Run(["check", "--retry-lock", "1m"],
            onStdout: output => { if (output.Contains("waiting up to")) waiting.TrySetResult(); }), TestContext.Current.CancellationToken);
        await Task.WhenAny(waiting.Task, run).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.False(run.IsCompleted, "lifeboat did not wait for restic's lock");
        Assert.Equal(0, holder.Finish());

        var r = await run;
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");
        Assert.Contains("repo already locked, waiting up to 1m0s for the lock", r.Stdout);
        Assert.Contains("no errors were found", r.Stdout);
        Assert.Empty(Directory.GetFiles(Path.Combine(Repo, "locks")));
    }

    [Fact]
    public void ALockThatStays_FailsAfterTheDuration_AsWithoutRetry()
    {
        using var holder = HoldLock();
        var withoutRetry = Cli.Run("check");
        Assert.Equal(11, withoutRetry.ExitCode);
        Assert.DoesNotContain("waiting up to", withoutRetry.Stdout);

        var clock = Stopwatch.StartNew();
        var r = Cli.Run("check", "--retry-lock", "3s");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60));
        Assert.Equal(11, r.ExitCode);
        Assert.Contains("repo already locked, waiting up to 3s for the lock", r.Stdout);
        // the same message and exit code as without --retry-lock
        Assert.Equal(withoutRetry.Stderr, r.Stderr);
        Assert.Contains("repository is already locked", r.Stderr);
        AssertNoStackTrace(r);
        Assert.Equal(0, holder.Finish());
    }

    [Fact]
    public void AnInvalidDuration_IsRefusedAsRestic()
    {
        var r = Cli.Run("snapshots", "--retry-lock", "5 minutes");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Fatal: invalid argument \"5 minutes\" for \"--retry-lock\" flag: time: invalid duration \"5 minutes\"", r.Stderr);
    }
}
