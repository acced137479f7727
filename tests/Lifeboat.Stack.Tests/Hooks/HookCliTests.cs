using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Hooks;

/// <summary>
/// The real `lifeboat` binary with hooks in lifeboat.yaml: real scripts, written by the test beside the config (they
/// run by relative path in its directory), each appending "HOOK APP OUTCOME" to one log, so the log is the order.
/// </summary>
public sealed class HookCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string ConfigDirectory => _temp.Combine("etc");
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string RepoPath => _temp.Combine("backup/repo");
    private string LogPath => _temp.Combine("etc/order.log");
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath);

    public HookCliTests()
    {
        Write("mnt/a/settings.xml", "<a/>");
        Write("mnt/b/settings.xml", "<b/>");
        // logs the order, and the whole LIFEBOAT_* environment, working directory and any leaked password per hook and app
        Script("hooks/log.sh", """
            #!/bin/sh
            echo "$LIFEBOAT_HOOK ${LIFEBOAT_APP:-[$LIFEBOAT_APPS]} ${LIFEBOAT_OUTCOME:--}" >> order.log
            { env | grep -E '^(LIFEBOAT_|RESTIC_)' | sort; echo "PWD=$(pwd)"; } > "env.$LIFEBOAT_HOOK.${LIFEBOAT_APP:-stack}"
            echo "logged $LIFEBOAT_HOOK"
            exit ${1:-0}
            """);
    }

    public void Dispose() => _temp.Dispose();

    private void Write(string relative, string content)
    {
        var path = _temp.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private void Script(string relative, string content)
    {
        Write("etc/" + relative, content.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(_temp.Combine("etc/" + relative), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Writes the config with the given hooks: sections (already indented for the top level and for apps a and b) and runs init.</summary>
    private void Configure(string global = "", string a = "", string b = "")
    {
        Write("etc/lifeboat.yaml", $"""
            repository: {RepoPath}
            password-file: secrets/password
            host: hook-host
            apps:
              a:
                paths: [{_temp.Combine("mnt/a")}]
            {a}
              b:
                paths: [{_temp.Combine("mnt/b")}]
            {b}
            {global}
            """);
        Cli.RunChecked("init");
    }

    private static string AllFour(string indent) => $$"""
        {{indent}}hooks:
        {{indent}}  backup:
        {{indent}}    before: ./hooks/log.sh
        {{indent}}    after: [[./hooks/log.sh]]
        {{indent}}    on-failure: {command: ./hooks/log.sh}
        {{indent}}    finally: {command: [./hooks/log.sh], timeout: 30s}
        """;

    private List<string> Ran => File.Exists(LogPath) ? File.ReadAllLines(LogPath).ToList() : [];

    private Dictionary<string, string> EnvironmentOf(string hook, string app)
    {
        var lines = File.ReadAllLines(Path.Combine(ConfigDirectory, $"env.{hook}.{app}"));
        return lines.Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    private List<string> SnapshotIds(string app)
    {
        using var restic = new Restic(RepoPath, File.ReadAllText(_temp.Combine("etc/secrets/password")).Trim());
        using var doc = JsonDocument.Parse(restic.RunChecked("snapshots", "--json", "--tag", "app:" + app).Stdout);
        return doc.RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
    }

    [Fact]
    public void EveryHookRunsInOrderWithItsEnvironmentAndItsOutputInTheLog()
    {
        Configure(AllFour(""), AllFour("    "), AllFour("    "));
        var r = Cli.With("RESTIC_REST_PASSWORD", "a-secret-the-hooks-must-not-see").RunChecked("backup");

        Assert.Equal([
            "backup.before [a,b] -",
            "backup.before a -", "backup.after a success", "backup.finally a success",
            "backup.before b -", "backup.after b success", "backup.finally b success",
            "backup.after [a,b] success", "backup.finally [a,b] success",
        ], Ran);
        // each line of a hook's output is an event line of its app, named by the hook
        Assert.Contains("a: hook backup.before: logged backup.before", r.Stdout);
        Assert.Contains("b: hook backup.finally: logged backup.finally", r.Stdout);
        Assert.Contains("hook backup.after: logged backup.after", r.Stdout.Split('\n'));

        var snapshot = Assert.Single(SnapshotIds("a"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["LIFEBOAT_APP"] = "a", ["LIFEBOAT_CONFIG"] = ConfigPath, ["LIFEBOAT_HOOK"] = "backup.after", ["LIFEBOAT_OPERATION"] = "backup",
            ["LIFEBOAT_OUTCOME"] = "success", ["LIFEBOAT_SNAPSHOT_ID"] = snapshot, ["PWD"] = ConfigDirectory,
        }, EnvironmentOf("backup.after", "a").Where(e => e.Key != "LIFEBOAT_STATE_DIR").ToDictionary());
        Assert.Equal(new Dictionary<string, string>
        {
            ["LIFEBOAT_APP"] = "a", ["LIFEBOAT_CONFIG"] = ConfigPath, ["LIFEBOAT_HOOK"] = "backup.before", ["LIFEBOAT_OPERATION"] = "backup",
            ["PWD"] = ConfigDirectory,
        }, EnvironmentOf("backup.before", "a").Where(e => e.Key != "LIFEBOAT_STATE_DIR").ToDictionary());
        Assert.Equal(new Dictionary<string, string>
        {
            ["LIFEBOAT_APPS"] = "a,b", ["LIFEBOAT_CONFIG"] = ConfigPath, ["LIFEBOAT_HOOK"] = "backup.finally", ["LIFEBOAT_OPERATION"] = "backup",
            ["LIFEBOAT_OUTCOME"] = "success", ["PWD"] = ConfigDirectory,
        }, EnvironmentOf("backup.finally", "stack").Where(e => e.Key != "LIFEBOAT_STATE_DIR").ToDictionary());
    }

    [Fact]
    public void AFailingBeforeSkipsOnlyThatApp()
    {
        Script("hooks/busy.sh", """
            #!/bin/sh
            echo "checking a" && echo "a is busy: 3 jobs running" >&2 && exit 3
            """);
        Configure(AllFour(""), """
                hooks:
                  backup:
                    before: ./hooks/busy.sh
                    on-failure: ./hooks/log.sh
                    finally: ./hooks/log.sh
            """, AllFour("    "));
        var r = Cli.Run("backup");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("a: FAILED: not backed up: hook backup.before (./hooks/busy.sh) failed: exit code 3: a is busy: 3 jobs running", r.Stderr);
        Assert.Contains("a: hook backup.before: checking a", r.Stdout);
        Assert.Empty(SnapshotIds("a"));
        Assert.Single(SnapshotIds("b"));
        Assert.Equal([
            "backup.before [a,b] -",
            "backup.on-failure a failure", "backup.finally a failure",
            "backup.before b -", "backup.after b success", "backup.finally b success",
            "backup.on-failure [a,b] failure", "backup.finally [a,b] failure",
        ], Ran);
        Assert.StartsWith("a: not backed up: hook backup.before (./hooks/busy.sh) failed", EnvironmentOf("backup.on-failure", "stack")["LIFEBOAT_ERROR"]);
        Assert.Equal("not backed up: hook backup.before (./hooks/busy.sh) failed: exit code 3: a is busy: 3 jobs running", EnvironmentOf("backup.finally", "a")["LIFEBOAT_ERROR"]);
    }

    [Fact]
    public void AFailingGlobalBeforeBacksUpNothing()
    {
        Configure("""
            hooks:
              backup:
                before: [./hooks/log.sh 0, ./hooks/log.sh 7]
                finally: ./hooks/log.sh
            """, AllFour("    "));
        var r = Cli.Run("backup");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Fatal: hook backup.before (./hooks/log.sh 7) failed: exit code 7; no app was backed up", r.Stderr);
        Assert.Empty(SnapshotIds("a"));
        Assert.Empty(SnapshotIds("b"));
        Assert.Equal(["backup.before [a,b] -", "backup.before [a,b] -", "backup.finally [a,b] failure"], Ran);
    }

    [Fact]
    public void AFailingAfterFailsTheAppWithItsSnapshotSavedAndFinallyStillRuns()
    {
        Configure("", """
                hooks:
                  backup:
                    after: {shell: "echo 'offsite sync refused' >&2; exit 2"}
                    on-failure: ./hooks/log.sh
                    finally: ./hooks/log.sh
            """);
        var r = Cli.Run("backup");

        Assert.Equal(1, r.ExitCode);
        var snapshot = Assert.Single(SnapshotIds("a"));
        Assert.Contains($"a: FAILED: snapshot {snapshot[..8]} saved, but hook backup.after (echo 'offsite sync refused' >&2; exit 2) failed: exit code 2: offsite sync refused", r.Stderr);
        Assert.Single(SnapshotIds("b"));
        Assert.Equal(["backup.on-failure a failure", "backup.finally a failure"], Ran);
        Assert.Equal(snapshot, EnvironmentOf("backup.finally", "a")["LIFEBOAT_SNAPSHOT_ID"]);
    }

    [Fact]
    public void AHookPastItsTimeoutIsKilledWithItsChildren()
    {
        Configure("", """
                hooks:
                  backup:
                    before: {shell: "sleep 60 & echo $! > child.pid; wait", timeout: 1s}
            """);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var r = Cli.Run("backup");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("a: FAILED: not backed up: hook backup.before (sleep 60 & echo $! > child.pid; wait) timed out after 1s", r.Stderr);
        var child = File.ReadAllText(Path.Combine(ConfigDirectory, "child.pid")).Trim();
        Assert.False(File.Exists($"/proc/{child}/cmdline") && File.ReadAllText($"/proc/{child}/cmdline").Length > 0, $"the hook's child {child} still runs");
        Assert.Single(SnapshotIds("b"));
    }

    [Fact]
    public async Task SigtermKillsTheRunningHookAndStillRunsTheFinallyHooks()
    {
        Configure("""
            hooks:
              backup:
                finally: ./hooks/log.sh
            """, """
                hooks:
                  backup:
                    before: {shell: "sleep 60 & echo $! > child.pid; wait"}
                    finally: ./hooks/log.sh
            """);
        var start = new System.Diagnostics.ProcessStartInfo(LifeboatCli.Binary, ["backup"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["LIFEBOAT_CONFIG"] = ConfigPath;
        start.Environment["LIFEBOAT_STATE_DIR"] = _temp.Combine("state");
        using var lifeboat = System.Diagnostics.Process.Start(start)!;
        var stdout = lifeboat.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = lifeboat.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var childPid = Path.Combine(ConfigDirectory, "child.pid");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!(File.Exists(childPid) && File.ReadAllText(childPid).EndsWith('\n')) && clock.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(50, TestContext.Current.CancellationToken);
        var child = File.ReadAllText(childPid).Trim();
        Assert.True(ProcessRunner.Run("kill", ["-TERM", lifeboat.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).Succeeded);
        await lifeboat.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(130, lifeboat.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"took {clock.Elapsed}");
        Assert.Equal(["backup.finally a failure", "backup.finally [a,b] failure"], Ran);
        Assert.Equal("interrupted", EnvironmentOf("backup.finally", "a")["LIFEBOAT_ERROR"]);
        Assert.False(File.Exists($"/proc/{child}/cmdline") && File.ReadAllText($"/proc/{child}/cmdline").Length > 0, $"the hook's child {child} still runs");
        Assert.Empty(SnapshotIds("a"));
        _ = await stdout + await stderr;
    }

    [Fact]
    public void AShellPipelineRunsAndItsOutputIsLogged()
    {
        Configure("", """
                hooks:
                  backup:
                    after:
                      - {command: "printf 'x\\ny\\n' | wc -l | tr -d ' '", shell: true}
                      - shell: echo "$LIFEBOAT_APP" | tr a-z A-Z
            """);
        var r = Cli.RunChecked("backup");
        Assert.Contains("a: hook backup.after: 2\n", r.Stdout);
        Assert.Contains("a: hook backup.after: A\n", r.Stdout);
    }

    [Fact]
    public void WithJsonTheHookLinesStayOffStdout()
    {
        Configure("", AllFour("    "));
        var r = Cli.RunChecked("backup", "--json");
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)) JsonDocument.Parse(line).Dispose();
        Assert.Contains("a: hook backup.before: logged backup.before", r.Stderr);
    }

    [Fact]
    public void RestoreHooksRunAroundAnInPlaceRestore()
    {
        Script("hooks/seen.sh", """
            #!/bin/sh
            echo "$LIFEBOAT_HOOK $LIFEBOAT_SNAPSHOT_ID $(cat "$1")" >> order.log
            """);
        var settings = _temp.Combine("mnt/a/settings.xml");
        Configure("""
            hooks:
              restore:
                before: ./hooks/log.sh
                after: ./hooks/log.sh
            """, $"""
                hooks:
                  restore:
                    before: [[./hooks/seen.sh, {settings}]]
                    after: [[./hooks/seen.sh, {settings}]]
            """);
        Cli.RunChecked("backup");
        var snapshot = Assert.Single(SnapshotIds("a"));
        File.WriteAllText(settings, "<changed/>");

        var r = Cli.RunChecked("restore", "a");
        Assert.Equal("<a/>", File.ReadAllText(settings));
        Assert.Equal([
            "restore.before [a] -",
            $"restore.before {snapshot} <changed/>",
            $"restore.after {snapshot} <a/>",
            "restore.after [a] success",
        ], Ran);
        Assert.Equal("restore", EnvironmentOf("restore.after", "stack")["LIFEBOAT_OPERATION"]);
    }

    [Fact]
    public void RebuildRunsTheRestoreHooksOfEachAppAndOfTheStackOnce()
    {
        Configure("""
            hooks:
              restore:
                before: ./hooks/log.sh
                after: ./hooks/log.sh
            """, """
                hooks:
                  restore: {before: ./hooks/log.sh, after: ./hooks/log.sh}
            """, """
                hooks:
                  restore: {before: ./hooks/log.sh, after: ./hooks/log.sh}
            """);
        Cli.RunChecked("backup");
        Directory.Delete(_temp.Combine("mnt"), recursive: true);

        Cli.RunChecked("rebuild");
        Assert.Equal("<b/>", File.ReadAllText(_temp.Combine("mnt/b/settings.xml")));
        Assert.Equal([
            "restore.before [a,b] -",
            "restore.before a -", "restore.after a success",
            "restore.before b -", "restore.after b success",
            "restore.after [a,b] success",
        ], Ran);
        Assert.Equal(Assert.Single(SnapshotIds("b")), EnvironmentOf("restore.after", "b")["LIFEBOAT_SNAPSHOT_ID"]);

        // a rehearsal under --target-root does not touch the apps: no hooks
        File.Delete(LogPath);
        Cli.RunChecked("rebuild", "--target-root", _temp.Combine("rehearsal"));
        Assert.True(File.Exists(_temp.Combine("rehearsal") + _temp.Combine("mnt/a/settings.xml")));
        Assert.Empty(Ran);
    }

    [Fact]
    public void AFailingRestoreBeforeWritesNothing()
    {
        var settings = _temp.Combine("mnt/a/settings.xml");
        Configure("", """
                hooks:
                  restore:
                    before: {shell: "echo 'app still running' >&2; exit 1"}
                    after: ./hooks/log.sh
            """);
        Cli.RunChecked("backup");
        File.WriteAllText(settings, "<changed/>");

        var r = Cli.Run("restore", "a");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Fatal: a: not restored: hook restore.before (echo 'app still running' >&2; exit 1) failed: exit code 1: app still running", r.Stderr);
        Assert.Equal("<changed/>", File.ReadAllText(settings));
        Assert.Empty(Ran);
    }

    [Theory]
    [InlineData("before: pg_dump x | gzip > /tmp/y", "key \"apps.a.hooks.backup.before\": \"pg_dump x | gzip > /tmp/y\" uses shell syntax (|), but a hook string runs without a shell; to run it with /bin/sh -c write it as a mapping: {shell: \"pg_dump x | gzip > /tmp/y\"}")]
    [InlineData("befor: ./hooks/log.sh", "key \"apps.a.hooks.backup.befor\": is not a known key; valid keys are before, after, on-failure, finally")]
    [InlineData("before: {command: ./hooks/log.sh, timeout: 5 minutes}", "key \"apps.a.hooks.backup.before.timeout\": \"5 minutes\" is not valid; use a number with a unit h, m or s, more than zero, e.g. 30s, 5m or 1h30m")]
    public void ConfigErrorsNameTheirLine(string hook, string message)
    {
        Write("etc/lifeboat.yaml", $"""
            repository: {RepoPath}
            password-file: secrets/password
            apps:
              a:
                paths: [{_temp.Combine("mnt/a")}]
                hooks:
                  backup:
                    {hook}
            """);
        var r = Cli.Run("backup");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{ConfigPath}:8: {message}", r.Stderr);
        Assert.False(Directory.Exists(RepoPath));
    }
}
