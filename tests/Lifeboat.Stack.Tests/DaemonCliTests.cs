using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Operations;
using Lifeboat.Stack.State;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>
/// The real `lifeboat daemon` on a real repository, with schedules compressed into seconds (six-field cron): runs at
/// their times, never overlapping; catch-up; SIGHUP; SIGTERM and kill -9 mid-backup; a live lock of another process.
/// </summary>
public sealed class DaemonCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string RepoPath => _temp.Combine("repo");
    private string StateDir => _temp.Combine("state");
    private string DataDir => _temp.Combine("data");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath).With("LIFEBOAT_STATE_DIR", StateDir);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public DaemonCliTests()
    {
        Directory.CreateDirectory(DataDir);
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(Path.Combine(DataDir, "settings.xml"), "<settings/>");
        WriteConfig("backup: \"*/2 * * * * *\"");
        Cli.RunChecked("init");
    }

    public void Dispose() => _temp.Dispose();

    private void WriteConfig(string schedule) => WriteConfigText($"""
        repository: {RepoPath}
        password-file: secrets/password
        host: media-vm
        apps:
          data:
            paths: [{DataDir}]
        schedule:
          time-zone: UTC
          lock-wait: 60s
          {schedule.Replace("\n", "\n  ", StringComparison.Ordinal)}
        """);

    private void WriteConfigText(string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, text);
    }

    private string Password => File.ReadAllText(_temp.Combine("etc/secrets/password")).Trim();

    /// <summary>A file of random bytes big enough that backing it up takes seconds.</summary>
    private void WriteBigFile(int mib)
    {
        using var file = File.Create(Path.Combine(DataDir, "big.bin"));
        var buffer = new byte[1 << 20];
        for (int i = 0; i < mib; i++)
        {
            Random.Shared.NextBytes(buffer);
            file.Write(buffer);
        }
    }

    private void AssertRepositoryChecksAndHasNoLock()
    {
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(RepoPath, "locks")));
        using var restic = new Restic(RepoPath, Password);
        var check = restic.Run("check");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
    }

    private static DateTimeOffset Time(JsonElement line) => line.GetProperty("time").GetDateTimeOffset();

    [Fact]
    public void Backups_run_at_their_times_and_never_overlap_a_slow_one_makes_the_next_wait_once()
    {
        // due every second, and the first backup takes seconds: later due times find it running
        WriteBigFile(400);
        WriteConfig("backup: \"* * * * * *\"");
        using var daemon = new DaemonProcess(ConfigPath, StateDir);
        daemon.WaitFor(d => d.Ends("backup").Count() >= 3, TimeSpan.FromMinutes(3), "three backups");
        daemon.Signal("TERM");
        Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromMinutes(1)));

        var starts = daemon.Events("start").ToList();
        var ends = daemon.Events("end").ToList();
        // each run ends before the next starts: one job at a time
        for (int i = 1; i < starts.Count; i++) Assert.True(Time(starts[i]) >= Time(ends[i - 1]), daemon.Log);
        var first = ends[0];
        Assert.Equal("success", first.GetProperty("outcome").GetString());
        Assert.True(first.GetProperty("duration_seconds").GetDouble() > 2, $"the first backup was not slow enough to test the queue:\n{daemon.Log}");
        // every second came due while it ran; the backup waited once, not once per second
        Assert.Contains(daemon.Messages, m => m.Contains("due again while still waiting in the queue; it runs once"));
        Assert.True(Time(starts[1]) - Time(ends[0]) < TimeSpan.FromSeconds(1), daemon.Log);
        var snapshots = JsonDocument.Parse(new Restic(RepoPath, Password).RunChecked("snapshots", "--json").Stdout).RootElement.GetArrayLength();
        Assert.Equal(ends.Count(e => e.GetProperty("outcome").GetString() == "success"), snapshots);
        AssertRepositoryChecksAndHasNoLock();
    }

    [Fact]
    public void Runs_start_on_their_due_seconds()
    {
        WriteConfig("backup: \"*/3 * * * * *\"");
        using var daemon = new DaemonProcess(ConfigPath, StateDir);
        daemon.WaitFor(d => d.Ends("backup").Count() >= 3, TimeSpan.FromMinutes(1), "three backups");
        daemon.Signal("TERM");
        Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromMinutes(1)));
        var starts = daemon.Events("start").Select(Time).ToList();
        // due at seconds divisible by 3; the start is stamped within a moment of it
        Assert.All(starts, s => Assert.True(s.Second % 3 == 0 && s.Millisecond < 800, $"{s:HH:mm:ss.fff}\n{daemon.Log}"));
        for (int i = 1; i < starts.Count; i++) Assert.InRange((starts[i] - starts[i - 1]).TotalSeconds, 2.2, 3.8);
    }

    [Fact]
    public void A_run_missed_while_stopped_runs_once_at_start_up()
    {
        // a yearly backup that last ran 400 days ago has missed a run; verify never ran, so it missed nothing
        WriteConfig("backup: \"0 3 1 1 *\"\nverify: \"0 4 1 1 *\"");
        new JobRunLog(new StateDatabase(StateDir), ConfigPath).RecordStart(
            new JobRun(Guid.NewGuid(), JobKind.Backup, [], "schedule", DateTimeOffset.UtcNow.AddDays(-400)));
        using (var daemon = new DaemonProcess(ConfigPath, StateDir))
        {
            daemon.WaitFor(d => d.Ends("backup").Any(), TimeSpan.FromMinutes(1), "the catch-up backup");
            Thread.Sleep(2000);
            daemon.Signal("TERM");
            Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromMinutes(1)));
            var start = Assert.Single(daemon.Events("start"));
            Assert.Equal(("backup", "catch-up"), (start.GetProperty("job").GetString(), start.GetProperty("trigger").GetString()));
            Assert.Equal("success", Assert.Single(daemon.Ends("backup")).GetProperty("outcome").GetString());
        }
        // started again: the run history has it, nothing is missed
        using (var again = new DaemonProcess(ConfigPath, StateDir))
        {
            again.WaitFor(d => d.Messages.Any(m => m.StartsWith("daemon started", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the start");
            Thread.Sleep(2000);
            again.Signal("TERM");
            Assert.Equal(0, again.WaitForExit(TimeSpan.FromMinutes(1)));
            Assert.Empty(again.Events("start"));
        }
    }

    [Fact]
    public void Sighup_with_a_broken_config_keeps_the_old_schedule_and_a_good_one_replaces_it()
    {
        using var daemon = new DaemonProcess(ConfigPath, StateDir);
        daemon.WaitFor(d => d.Ends("backup").Any(), TimeSpan.FromMinutes(1), "a backup");
        var good = File.ReadAllText(ConfigPath);
        File.WriteAllText(ConfigPath, good.Replace("backup: \"*/2 * * * * *\"", "backup: \"*/2 * * *\"", StringComparison.Ordinal));
        daemon.Signal("HUP");
        daemon.WaitFor(d => d.Messages.Any(m => m.Contains("was not reloaded")), TimeSpan.FromSeconds(30), "the refused reload");
        var refused = daemon.Messages.First(m => m.Contains("was not reloaded"));
        Assert.Contains("was not reloaded, the old schedule stays", refused);
        Assert.Contains("lifeboat.yaml:10: key \"schedule.backup\"", refused);
        Assert.Equal("warning", daemon.Lines.First(l => l.TryGetProperty("message", out var m) && m.GetString() == refused).GetProperty("event").GetString());
        // the old schedule still starts backups (which fail while the file is broken: the job reads it too)
        int startsAtRefusal = daemon.Events("start").Count();
        daemon.WaitFor(d => d.Events("start").Count() >= startsAtRefusal + 2, TimeSpan.FromSeconds(30), "backups after the refused reload");

        File.WriteAllText(ConfigPath, good.Replace("backup: \"*/2 * * * * *\"", "check: \"*/2 * * * * *\"", StringComparison.Ordinal));
        daemon.Signal("HUP");
        daemon.WaitFor(d => d.Ends("check").Any(e => e.GetProperty("outcome").GetString() == "success"), TimeSpan.FromSeconds(60), "a check from the new schedule");
        Assert.Contains(daemon.Messages, m => m.Contains("received SIGHUP; reloaded"));
        daemon.Signal("TERM");
        Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromMinutes(1)));
        AssertRepositoryChecksAndHasNoLock();
    }

    [Fact]
    public void Sigterm_mid_backup_exits_0_with_no_lock_left_and_a_repository_that_checks()
    {
        WriteBigFile(600);
        WriteConfig("backup: \"*/2 * * * * *\"");
        using var daemon = new DaemonProcess(ConfigPath, StateDir);
        daemon.WaitFor(d => d.Events("start").Any(), TimeSpan.FromSeconds(30), "the backup's start");
        // well into the backup: its lock is written, packs are being uploaded
        daemon.WaitFor(_ => Directory.EnumerateFiles(Path.Combine(RepoPath, "locks")).Any(), TimeSpan.FromSeconds(30), "the backup's lock");
        Thread.Sleep(1000);
        daemon.Signal("TERM");
        Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromMinutes(1)));
        var end = Assert.Single(daemon.Ends("backup"));
        Assert.Equal("failure", end.GetProperty("outcome").GetString());
        Assert.Contains("stopped by the daemon's shutdown", end.GetProperty("summary").GetString());
        Assert.Contains(daemon.Messages, m => m.Contains("received SIGTERM; stopping"));
        AssertRepositoryChecksAndHasNoLock();
    }

    [Fact]
    public void Kill_9_mid_backup_then_a_restart_clears_the_stale_lock_and_backs_up()
    {
        WriteBigFile(600);
        WriteConfig("backup: \"*/2 * * * * *\"");
        using (var daemon = new DaemonProcess(ConfigPath, StateDir))
        {
            daemon.WaitFor(_ => Directory.EnumerateFiles(Path.Combine(RepoPath, "locks")).Any(), TimeSpan.FromSeconds(30), "the backup's lock");
            Thread.Sleep(500);
            // as when the machine or the container dies: the daemon and its job, at once
            var victims = daemon.Children().Prepend(daemon.Pid).ToList();
            Assert.True(victims.Count >= 2, "the backup runs as the daemon's child");
            Assert.True(ProcessRunner.Run("kill", ["-9", .. victims.Select(p => p.ToString())]).Succeeded);
            daemon.WaitForExit(TimeSpan.FromSeconds(10));
        }
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(RepoPath, "locks")));
        using (var restarted = new DaemonProcess(ConfigPath, StateDir))
        {
            restarted.WaitFor(d => d.Ends("backup").Any(), TimeSpan.FromMinutes(2), "the backup after the restart");
            Assert.Contains(restarted.Messages, m => m.Contains("removed 1 stale lock left by a process that is gone"));
            Assert.Equal("success", restarted.Ends("backup").First().GetProperty("outcome").GetString());
            restarted.Signal("TERM");
            Assert.Equal(0, restarted.WaitForExit(TimeSpan.FromMinutes(1)));
        }
        AssertRepositoryChecksAndHasNoLock();
    }

    [Fact]
    public void Kill_9_of_the_daemon_alone_stops_its_job_cleanly()
    {
        WriteBigFile(800); // seconds of work: an orphan left running would finish and write a snapshot
        WriteConfig("backup: \"*/2 * * * * *\"");
        List<int> jobs;
        using (var daemon = new DaemonProcess(ConfigPath, StateDir))
        {
            daemon.WaitFor(_ => Directory.EnumerateFiles(Path.Combine(RepoPath, "locks")).Any(), TimeSpan.FromSeconds(30), "the backup's lock");
            jobs = daemon.Children();
            Assert.NotEmpty(jobs);
            // the daemon dies (an OOM kill); its job is left behind, orphaned
            Assert.True(ProcessRunner.Run("kill", ["-9", daemon.Pid.ToString()]).Succeeded);
            daemon.WaitForExit(TimeSpan.FromSeconds(10));
        }
        // the orphan notices within its poll interval and stops as on SIGTERM: no job runs on unwatched
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (jobs.Any(Engine.Platform.Posix.ProcessExists) && DateTime.UtcNow < deadline) Thread.Sleep(100);
        Assert.False(jobs.Any(Engine.Platform.Posix.ProcessExists), "the daemon's job is still running after the daemon died");
        // stopped, not finished: no snapshot; cleanly: its lock removed, nothing half-written
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(RepoPath, "snapshots")));
        AssertRepositoryChecksAndHasNoLock();
    }

    [Fact]
    public async Task A_live_lock_of_another_process_makes_the_job_wait_then_run()
    {
        WriteConfig("backup: \"*/2 * * * * *\"");
        // another process on this host (this test) holds an exclusive lock, as a running prune would
        var repository = await Repository.OpenAsync(new LocalBackend(RepoPath), Password, new RepositoryOptions(), Ct);
        var held = await RepositoryLock.AcquireAsync(repository, exclusive: true, Ct);
        using var daemon = new DaemonProcess(ConfigPath, StateDir);
        daemon.WaitFor(d => d.Messages.Count(m => m.Contains("the repository is locked by another process; trying again in")) >= 2,
            TimeSpan.FromSeconds(60), "the job waiting for the lock");
        // the lock is live: the stale-lock clean-up left it alone
        Assert.DoesNotContain(daemon.Messages, m => m.Contains("stale lock"));
        Assert.Empty(daemon.Events("end"));
        var released = DateTimeOffset.UtcNow;
        await held.DisposeAsync();
        await repository.DisposeAsync();
        daemon.WaitFor(d => d.Ends("backup").Any(), TimeSpan.FromSeconds(60), "the backup after the lock went");
        var end = daemon.Ends("backup").First();
        Assert.Equal("success", end.GetProperty("outcome").GetString());
        Assert.True(Time(end) > released);
        daemon.Signal("TERM");
        Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromMinutes(1)));
        AssertRepositoryChecksAndHasNoLock();
    }

    [Fact]
    public async Task Healthz_reports_the_schedule()
    {
        using var daemon = new DaemonProcess(ConfigPath, StateDir);
        daemon.WaitFor(d => d.Messages.Any(m => m.StartsWith("listening on http://127.0.0.1:", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the listener");
        var address = daemon.Messages.First(m => m.StartsWith("listening on ", StringComparison.Ordinal))["listening on ".Length..];
        using var http = new HttpClient();
        var response = await http.GetAsync(address + "/healthz", Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal("backup", body.GetProperty("next_runs")[0].GetProperty("job").GetString());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync(address + "/nothing", Ct)).StatusCode);
        daemon.Signal("TERM");
        Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Metrics_and_notifications_report_each_scheduled_backup()
    {
        using var receiver = new NotificationReceiver();
        WriteConfig("backup: \"*/3 * * * * *\"");
        File.AppendAllText(ConfigPath, $"""

            notify:
              - type: webhook
                url: {receiver.Url("hook")}
                events: [start, success, warning, failure]
            """);
        using var daemon = new DaemonProcess(ConfigPath, StateDir);
        daemon.WaitFor(d => d.Ends("backup").Any(), TimeSpan.FromSeconds(60), "a scheduled backup");
        var address = daemon.Messages.First(m => m.StartsWith("listening on ", StringComparison.Ordinal))["listening on ".Length..];

        // the webhook saw the run start and succeed, with the daemon as its trigger
        var hooks = receiver.WaitFor(2, seconds: 30);
        var events = hooks.Select(h => JsonDocument.Parse(h.Body).RootElement).ToList();
        Assert.Equal("start", events[0].GetProperty("event").GetString());
        Assert.Equal("success", events[1].GetProperty("event").GetString());
        Assert.Equal("backup", events[1].GetProperty("job").GetString());
        Assert.Equal("schedule", events[1].GetProperty("trigger").GetString());
        // the run is in the history once, as the daemon's: the job it started did not record itself as well
        var recorded = new JobRunLog(new StateDatabase(StateDir), ConfigPath).Recent(100);
        Assert.NotEmpty(recorded);
        Assert.All(recorded, r => Assert.Equal("schedule", r.Trigger));

        // /metrics: valid exposition (promtool), the app's last success within the run, the repository's figures
        // once the collection after the job has run
        using var http = new HttpClient();
        string text = "";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var response = await http.GetAsync(address + "/metrics", Ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "");
            text = await response.Content.ReadAsStringAsync(Ct);
            if (text.Contains("lifeboat_backup_last_success_timestamp_seconds{", StringComparison.Ordinal)
                && text.Contains("lifeboat_repository_snapshots{", StringComparison.Ordinal)) break;
            await Task.Delay(500, Ct);
        }
        SecretScan.CheckText(daemon.Environment, null, "the metrics page holds", text);
        var check = ProcessRunner.Run("promtool", ["check", "metrics"], stdin: text);
        Assert.True(check.ExitCode == 0 && check.Stdout.Length + check.Stderr.Length == 0, $"promtool: {check.Stdout}{check.Stderr}\n{text}");
        var samples = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        var success = samples.Single(s => s.Key.StartsWith("lifeboat_backup_last_success_timestamp_seconds{", StringComparison.Ordinal) && s.Key.Contains("app=\"data\"", StringComparison.Ordinal)).Value;
        Assert.InRange(success, Time(daemon.Ends("backup").First()).ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.True(samples.Single(s => s.Key.StartsWith("lifeboat_repository_snapshots{", StringComparison.Ordinal)).Value >= 1, text);
        Assert.Contains(samples, s => s.Key.StartsWith("lifeboat_job_queue_length{", StringComparison.Ordinal));
        Assert.Contains(samples, s => s.Key.StartsWith("lifeboat_job_last_start_timestamp_seconds{", StringComparison.Ordinal) && s.Key.Contains("job=\"backup\"", StringComparison.Ordinal));
        Assert.DoesNotContain(RepoPath, text); // a location may hold a secret: never a label
        daemon.Signal("TERM");
        Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Schedule_install_writes_units_systemd_accepts_and_uninstall_removes_exactly_them()
    {
        WriteConfig("backup: { cron: \"30 2 * * *\", apps: [data] }\nprune: \"0 4 * * 0\"");
        var units = _temp.Combine("units");
        Directory.CreateDirectory(units);
        File.WriteAllText(Path.Combine(units, "lifeboat-other.service"), "[Service]\nExecStart=/bin/true\n");

        var show = Cli.RunChecked("schedule", "show", "--dir", units);
        Assert.Contains("OnCalendar=*-*-* 02:30:00 UTC", show.Stdout);
        Assert.Empty(Directory.EnumerateFiles(units, "lifeboat-backup*"));

        Cli.RunChecked("schedule", "install", "--dir", units);
        var written = Directory.EnumerateFiles(units).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["lifeboat-backup.service", "lifeboat-backup.timer", "lifeboat-other.service", "lifeboat-prune.service", "lifeboat-prune.timer"], written);
        var service = File.ReadAllText(Path.Combine(units, "lifeboat-backup.service"));
        // the build's symlink, which a rebuild swaps, not the build directory a rebuild deletes
        Assert.Contains($"ExecStart={LifeboatCli.Binary} backup --config {ConfigPath} data", service);
        Assert.DoesNotContain("/.build/cli-", service);
        var verify = ProcessRunner.Run("systemd-analyze", ["verify", .. Directory.EnumerateFiles(units, "lifeboat-*.timer"), Path.Combine(units, "lifeboat-backup.service"), Path.Combine(units, "lifeboat-prune.service")]);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        // a cron that a timer cannot express is refused, naming it, and nothing changes
        WriteConfig("backup: \"0 3 1 * 1\"");
        var refused = Cli.Run("schedule", "install", "--dir", units);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("schedule.backup: \"0 3 1 * 1\" cannot be written as a systemd OnCalendar expression", refused.Stderr);

        Cli.RunChecked("schedule", "uninstall", "--dir", units);
        Assert.Equal(["lifeboat-other.service"], Directory.EnumerateFiles(units).Select(Path.GetFileName));

        // --binary: the units run the installed copy
        WriteConfig("backup: \"30 2 * * *\"");
        var installed = _temp.Combine("bin/lifeboat");
        Directory.CreateDirectory(Path.GetDirectoryName(installed)!);
        File.Copy(LifeboatCliBinaryReal(), installed);
        Assert.Contains($"ExecStart={installed} backup --config {ConfigPath}\n", Cli.RunChecked("schedule", "show", "--binary", installed).Stdout);
        var missing = Cli.Run("schedule", "show", "--binary", _temp.Combine("nothing/lifeboat"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains($"--binary {_temp.Combine("nothing/lifeboat")}: no such file", missing.Stderr);
        // uninstall finds the units by their names: a --binary there would mean nothing, so it is not accepted
        var uninstall = Cli.Run("schedule", "uninstall", "--dir", units, "--binary", installed);
        Assert.NotEqual(0, uninstall.ExitCode);
        Assert.Contains("--binary", uninstall.Stderr);
    }

    /// <summary>The binary the units name: the real file behind ./lifeboat's symlinked build directory.</summary>
    private static string LifeboatCliBinaryReal() => new FileInfo(LifeboatCli.Binary).ResolveLinkTarget(returnFinalTarget: true)?.FullName
        ?? Path.Combine(new DirectoryInfo(Path.GetDirectoryName(LifeboatCli.Binary)!).ResolveLinkTarget(true)?.FullName ?? Path.GetDirectoryName(LifeboatCli.Binary)!, "lifeboat");
}
