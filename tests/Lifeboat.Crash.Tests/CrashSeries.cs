using System.Diagnostics;
using System.Globalization;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Crash.Tests;

/// <summary>
/// One operation's series of kills: its own temporary tree, repositories and state directory; the kill delays drawn
/// from 0 to the operation's measured duration; after each kill the repository's check (restic check, with
/// --read-data on every fifth run and the last); and the figures printed at the end, failed or not. The stale lock
/// the killed process leaves (restic 0.14's check takes an exclusive lock and refuses to start beside any) is removed
/// the way a user, and the daemon before each job, does: lifeboat unlock, which removes only locks of this host whose
/// process is gone. The next run of the operation itself relies on lifeboat's stale-lock detection (the same rule).
/// </summary>
public sealed class CrashSeries : IDisposable
{
    /// <summary>The scrypt parameters of the series' repositories: cheap, so that hundreds of runs stay fast (restic reads them from the key).</summary>
    public static readonly (int N, int R, int P) FastKdf = (1024, 8, 1);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _run;
    private TimeSpan _delay;

    public CrashSeries(string operation)
    {
        Operation = operation;
        Runs = CrashCampaign.RunsFor(operation);
        Random = CrashCampaign.RandomFor(operation);
        Temp = new TempDirectory("lifeboat-crash-" + operation);
        StateDirectory = Temp.Combine("state");
        Directory.CreateDirectory(StateDirectory);
        Password = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
    }

    public string Operation { get; }
    public int Runs { get; }
    public Random Random { get; }
    public TempDirectory Temp { get; }
    public string StateDirectory { get; }
    public string Password { get; }
    public int KilledMidOperation { get; private set; }
    public int EndedBeforeTheKill { get; private set; }
    public int ReadDataChecks { get; private set; }
    public int Checks { get; private set; }

    /// <summary>The operation's duration, measured on an unkilled run: the kills are drawn from 0 to it.</summary>
    public TimeSpan Measured { get; private set; }

    /// <summary>A new repository at <paramref name="path"/> with the series' password and cheap scrypt.</summary>
    public async Task<string> InitRepositoryAsync(string path)
    {
        await using var repo = await Repository.InitAsync(new LocalBackend(path), Password, 2, new RepositoryOptions(), FastKdf,
            cancellationToken: TestContext.Current.CancellationToken);
        return path;
    }

    /// <summary>A file holding the password (0600), for configs and --from-password-file.</summary>
    public string PasswordFile()
    {
        var path = Temp.Combine("password");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, Password + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return path;
    }

    /// <summary>lifeboat with the series' state directory and, when given, a repository and the password.</summary>
    public LifeboatProcess Lifeboat(string? repository = null) =>
        repository is null ? new LifeboatProcess(StateDirectory) : new LifeboatProcess(StateDirectory).With("RESTIC_REPOSITORY", repository).With("RESTIC_PASSWORD", Password);

    public Restic Restic(string repository) => new(repository, Password);

    /// <summary>Times one unkilled run of the operation.</summary>
    public void Measure(Action run)
    {
        var clock = Stopwatch.StartNew();
        run();
        Measured = clock.Elapsed;
    }

    /// <summary>Takes a duration measured by the caller (a daemon's job, from its log).</summary>
    public void Measure(TimeSpan measured) => Measured = measured;

    /// <summary>The next kill's delay, uniform in [0, measured duration].</summary>
    public TimeSpan NextDelay() => _delay = TimeSpan.FromTicks((long)(Measured.Ticks * Random.NextDouble()));

    public KilledRun Kill(LifeboatProcess lifeboat, params string[] args)
    {
        var run = lifeboat.RunKilledAfter(NextDelay(), args);
        Count(run.KilledMidOperation);
        return run;
    }

    public void Count(bool killedMidOperation)
    {
        if (killedMidOperation) KilledMidOperation++;
        else EndedBeforeTheKill++;
    }

    /// <summary>Whether this run's check reads all data: every fifth run and the last.</summary>
    public bool ReadDataNow => _run % 5 == 4 || _run == Runs - 1;

    /// <summary>After a kill: stale locks removed (lifeboat unlock), then restic check, with --read-data when <see cref="ReadDataNow"/> or asked.</summary>
    public void Check(string repository, bool readData = false)
    {
        readData |= ReadDataNow;
        if (Lifeboat(repository).Run("unlock") is { ExitCode: not 0 } failed)
            throw new CrashFailure($"lifeboat unlock exited {failed.ExitCode}: {failed.Stderr}");
        using var restic = Restic(repository);
        var check = readData ? restic.Run("check", "--read-data") : restic.Run("check");
        Checks++;
        if (readData) ReadDataChecks++;
        if (check.ExitCode != 0) throw new CrashFailure($"restic check{(readData ? " --read-data" : "")} of {repository} failed ({check.ExitCode}):\n{check.Stdout}\n{check.Stderr}");
    }

    /// <summary>Restores the repository's latest snapshot (with restic; <paramref name="filter"/> e.g. --tag app:web) and requires <paramref name="path"/>'s content exactly.</summary>
    public void RequireLatestRestores(string repository, string path, params string[] filter)
    {
        var target = Temp.Combine("restored-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var restic = Restic(repository);
            var restore = restic.Run(["restore", "latest", "--target", target, .. filter]);
            if (restore.ExitCode != 0) throw new CrashFailure($"restic restore latest failed ({restore.ExitCode}): {restore.Stderr}");
            TestTrees.RequireSame(path, target + path, "the latest snapshot restored");
        }
        finally
        {
            if (Directory.Exists(target)) Engine.Platform.FileTrees.Remove(target);
        }
    }

    /// <summary>The repository's snapshots as restic lists them (JSON elements).</summary>
    public List<System.Text.Json.JsonElement> Snapshots(string repository, params string[] filter)
    {
        using var restic = Restic(repository);
        var list = restic.RunChecked(["snapshots", "--json", .. filter]);
        return System.Text.Json.JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>Runs the series: <paramref name="iteration"/> once per kill; the figures are reported whatever happens.</summary>
    public void Run(Action<int> iteration)
    {
        Exception? failure = null;
        try
        {
            for (_run = 0; _run < Runs; _run++)
            {
                try
                {
                    iteration(_run);
                }
                catch (Exception e)
                {
                    failure = new CrashFailure($"{Operation}, run {_run + 1} of {Runs} (LIFEBOAT_CRASH_SEED={CrashCampaign.Seed}, kill after {_delay.TotalMilliseconds:0} ms of {Measured.TotalMilliseconds:0} ms): {e.Message}");
                    throw failure;
                }
            }
        }
        finally
        {
            CrashCampaign.Report(string.Create(CultureInfo.InvariantCulture,
                $"crash {Operation}: {(failure is null ? Runs : _run + 1)} runs, {KilledMidOperation} kills mid-operation, {EndedBeforeTheKill} ended before the kill, " +
                $"{Checks} checks ({ReadDataChecks} with --read-data), {(failure is null ? 0 : 1)} failures, operation {Measured.TotalSeconds:0.00} s, " +
                $"series {_clock.Elapsed.TotalSeconds:0.0} s, seed {CrashCampaign.Seed}"));
        }
    }

    public void Dispose() => Temp.Dispose();
}
