using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests.Hooks;

/// <summary>
/// The backup hooks inside the stack backup, against a real repository and a fake Docker: each hook is a real shell
/// command that appends its name, app and outcome to one file, so the file is the order in which they ran.
/// </summary>
public sealed class StackBackupHooksTests : IDisposable
{
    private const string Password = "hook test password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string LogPath => _temp.Combine("order.log");
    private List<string> Ran => File.Exists(LogPath) ? File.ReadAllLines(LogPath).ToList() : [];

    private async Task<Repository> InitRepositoryAsync()
    {
        var repo = await Repository.InitAsync(new LocalBackend(_temp.Combine("repo")), Password, 2, new RepositoryOptions(), (1024, 8, 1), cancellationToken: Ct);
        await repo.LoadIndexAsync(Ct);
        return repo;
    }

    /// <summary>A hook that logs "LABEL APP OUTCOME" (relative path: it runs in the config's directory) and exits with the code.</summary>
    private static HookConfig Logs(string label, int exit = 0, string error = "") => new()
    {
        Shell = $"echo \"{label} ${{LIFEBOAT_APP:-${{LIFEBOAT_APPS}}}} ${{LIFEBOAT_OUTCOME:--}}\" >> order.log; {(error.Length > 0 ? $"echo '{error}' >&2; " : "")}exit {exit}",
    };

    private static BackupHooks AllFour(string prefix) => new()
    {
        Before = [Logs(prefix + ".before")], After = [Logs(prefix + ".after")],
        OnFailure = [Logs(prefix + ".on-failure")], Finally = [Logs(prefix + ".finally")],
    };

    private AppConfig App(string name, BackupHooks hooks, ConsistencyMode mode = ConsistencyMode.None, params string[] containers)
    {
        var path = _temp.Combine("apps/" + name);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "settings.xml"), "<settings/>");
        return new AppConfig { Name = name, Paths = [path], Containers = containers, Consistency = mode, Hooks = new HookSet { Backup = hooks } };
    }

    private StackConfig Config(BackupHooks global, params AppConfig[] apps) => new()
    {
        File = _temp.Combine("lifeboat.yaml"), Repository = _temp.Combine("repo"), Host = "test-host", Apps = apps,
        Hooks = new HookSet { Backup = global },
    };

    [Fact]
    public async Task AllHooksRunInOrderAroundTwoApps()
    {
        var docker = new FakeContainerControl(("a", true));
        docker.OnStopped = name => File.AppendAllText(LogPath, $"docker stopped {name}\n");
        var a = App("a", AllFour("app"), ConsistencyMode.Stop, "a");
        var b = App("b", AllFour("app"));
        await using var repo = await InitRepositoryAsync();
        var backup = new StackBackup(repo, Config(AllFour("stack"), a, b), () => docker);
        var results = await backup.RunAsync([a, b], [], Ct);

        Assert.All(results, r => Assert.False(r.Failed, r.Error));
        Assert.Null(backup.HookFailure);
        Assert.Equal([
            "stack.before a,b -",
            "app.before a -", "docker stopped a", "app.after a success", "app.finally a success",
            "app.before b -", "app.after b success", "app.finally b success",
            "stack.after a,b success", "stack.finally a,b success",
        ], Ran);
    }

    [Fact]
    public async Task AFailingBeforeSkipsOnlyThatAppAndLeavesItsContainersAlone()
    {
        var docker = new FakeContainerControl(("a", true));
        var a = App("a", AllFour("app") with { Before = [Logs("app.before", 4, "a is busy")] }, ConsistencyMode.Stop, "a");
        var b = App("b", AllFour("app"));
        await using var repo = await InitRepositoryAsync();
        using var state = new TempDirectory("lifeboat-state");
        var log = new BackupRunLog(repo.Config.Id, state.Path);
        var events = new EventLog();
        var results = await new StackBackup(repo, Config(AllFour("stack"), a, b), () => docker, events) { RunLog = log }.RunAsync([a, b], [], Ct);

        Assert.Empty(docker.Calls);
        Assert.Null(results[0].SnapshotId);
        Assert.StartsWith("not backed up: hook backup.before (echo \"app.before", results[0].Error);
        Assert.EndsWith("failed: exit code 4: a is busy", results[0].Error);
        Assert.False(results[1].Failed, results[1].Error);
        Assert.NotNull(results[1].SnapshotId);
        Assert.Equal(BackupRunRecord.Failed, log.Latest("a")!.Outcome);
        Assert.Equal(results[0].Error, log.Latest("a")!.Error);
        Assert.Contains("a: hook backup.before: a is busy", events.Lines);
        Assert.Equal([
            "stack.before a,b -",
            "app.before a -", "app.on-failure a failure", "app.finally a failure",
            "app.before b -", "app.after b success", "app.finally b success",
            "stack.on-failure a,b failure", "stack.finally a,b failure",
        ], Ran);
    }

    [Fact]
    public async Task AFailingGlobalBeforeBacksUpNothing()
    {
        var a = App("a", AllFour("app"));
        await using var repo = await InitRepositoryAsync();
        var events = new EventLog();
        var e = await Assert.ThrowsAsync<StackException>(() =>
            new StackBackup(repo, Config(AllFour("stack") with { Before = [new HookConfig { Command = ["false"] }] }, a), () => throw new InvalidOperationException(), events)
                .RunAsync([a], [], Ct));

        Assert.Equal("hook backup.before (false) failed: exit code 1; no app was backed up", e.Message);
        Assert.Empty(await repo.ListSnapshotsAsync(Ct));
        Assert.Equal(["stack.on-failure a failure", "stack.finally a failure"], Ran);
        Assert.Contains("hook backup.before (false) failed: exit code 1", events.StackLines);
    }

    [Fact]
    public async Task AFailingAfterFailsTheAppButKeepsItsSnapshot()
    {
        var a = App("a", AllFour("app") with
        {
            After = [new HookConfig { Shell = "echo 'upload refused' >&2; exit 2" }],
            OnFailure = [new HookConfig { Shell = "echo \"$LIFEBOAT_SNAPSHOT_ID $LIFEBOAT_ERROR\" > on-failure.env" }],
        });
        await using var repo = await InitRepositoryAsync();
        var results = await new StackBackup(repo, Config(new BackupHooks(), a), () => throw new InvalidOperationException()).RunAsync([a], [], Ct);

        var snapshot = Assert.Single(await repo.ListSnapshotsAsync(Ct));
        Assert.Equal(snapshot.Id, results[0].SnapshotId);
        Assert.Equal($"snapshot {snapshot.Id.ToShortString()} saved, but hook backup.after (echo 'upload refused' >&2; exit 2) failed: exit code 2: upload refused", results[0].Error);
        Assert.Equal($"{snapshot.Id} {results[0].Error}\n", File.ReadAllText(_temp.Combine("on-failure.env")));
        Assert.Equal(["app.before a -", "app.finally a failure"], Ran);
    }

    [Fact]
    public async Task AFailingGlobalAfterFailsTheRunAndRunsItsOnFailure()
    {
        var a = App("a", new BackupHooks());
        await using var repo = await InitRepositoryAsync();
        var backup = new StackBackup(repo, Config(AllFour("stack") with { After = [Logs("stack.after", 1, "report refused")] }, a), () => throw new InvalidOperationException());
        var results = await backup.RunAsync([a], [], Ct);
        Assert.False(results[0].Failed);
        Assert.EndsWith("failed: exit code 1: report refused", backup.HookFailure);
        Assert.Equal(["stack.before a -", "stack.after a success", "stack.on-failure a failure", "stack.finally a failure"], Ran);
    }

    [Fact]
    public async Task AnInterruptedBackupStillRunsTheFinallyHooks()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var docker = new FakeContainerControl(("a", true)) { OnStopped = _ => cancel.Cancel() };
        var a = App("a", AllFour("app"), ConsistencyMode.Stop, "a");
        var b = App("b", AllFour("app"));
        await using var repo = await InitRepositoryAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new StackBackup(repo, Config(AllFour("stack"), a, b), () => docker).RunAsync([a, b], [], cancel.Token));
        Assert.Equal(["stack.before a,b -", "app.before a -", "app.finally a failure", "stack.finally a,b failure"], Ran);
        Assert.True(docker.IsRunning("a"));
    }

    private sealed class EventLog : IStackBackupObserver
    {
        public List<string> Lines { get; } = [];
        public List<string> StackLines { get; } = [];
        public void AppStarting(AppConfig app) { }
        public void AppEvent(AppConfig app, string message) { lock (Lines) Lines.Add($"{app.Name}: {message}"); }
        public void ItemError(AppConfig app, string path, string during, Exception error) { }
        public void AppFinished(AppBackupResult result) { }
        public void StackEvent(string message) { lock (StackLines) StackLines.Add(message); }
    }
}
