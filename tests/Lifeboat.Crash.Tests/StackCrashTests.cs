using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Crash.Tests;

/// <summary>A stack for the series: apps with a path each and a busybox container each, in a lifeboat.yaml.</summary>
public sealed class CrashStack
{
    public required string Config { get; init; }
    public required string Repository { get; init; }
    public required Dictionary<string, string> Paths { get; init; }
    public required Dictionary<string, string> Containers { get; init; }

    /// <summary>Writes lifeboat.yaml: each app (name, consistency) with its path and container; an optional schedule line.</summary>
    public static async Task<CrashStack> CreateAsync(CrashSeries series, CrashDocker docker, (string Name, string Consistency)[] apps, string? schedule = null)
    {
        var repository = await series.InitRepositoryAsync(series.Temp.Combine("repo"));
        var paths = apps.ToDictionary(a => a.Name, a => series.Temp.Combine($"srv/{a.Name}"));
        var containers = apps.ToDictionary(a => a.Name, a => docker.RunAppContainer(a.Name));
        var yaml = new System.Text.StringBuilder($"repository: {repository}\npassword-file: {series.PasswordFile()}\napps:\n");
        foreach (var (name, consistency) in apps)
            yaml.Append($"  {name}:\n    paths: [{paths[name]}]\n    containers: [{containers[name]}]\n    consistency: {consistency}\n");
        if (schedule is not null) yaml.Append($"schedule:\n  backup: \"{schedule}\"\n");
        var config = series.Temp.Combine("lifeboat.yaml");
        File.WriteAllText(config, yaml.ToString());
        foreach (var path in paths.Values) TestTrees.Generate(path, series.Random, files: 40, bytes: 1 << 20);
        return new CrashStack { Config = config, Repository = repository, Paths = paths, Containers = containers };
    }

    public LifeboatProcess Lifeboat(CrashSeries series, CrashDocker docker) =>
        series.Lifeboat().With("LIFEBOAT_CONFIG", Config).With("DOCKER_HOST", docker.Daemon.SocketUri.ToString());
}

/// <summary>
/// The stack layer's operations killed at random points, on a private dockerd: stack backup (an app with
/// consistency: stop and one without), restore in place, rebuild. After each kill the repository checks, every app
/// path is wholly the old or wholly the new content, the next run succeeds and leaves the apps' containers running.
/// </summary>
public sealed class StackBackupCrashTests(CrashDocker docker)
{
    [Fact]
    public async Task A_killed_stack_backup_leaves_no_container_stopped_once_the_next_backup_ran_and_its_snapshots_restore()
    {
        var daemon = docker.Daemon;
        using var series = new CrashSeries("stack-backup");
        var stack = await CrashStack.CreateAsync(series, docker, [("web", "stop"), ("files", "none")]);
        try
        {
            var lifeboat = stack.Lifeboat(series, docker);
            series.Measure(() => lifeboat.RunChecked("backup"));
            int recovered = 0;
            series.Run(run =>
            {
                foreach (var path in stack.Paths.Values) TestTrees.Mutate(path, series.Random);
                series.Kill(lifeboat, "backup");
                series.Check(stack.Repository);
                var next = lifeboat.RunChecked("backup");
                if (next.Stderr.Contains("left stopped by lifeboat process", StringComparison.Ordinal)) recovered++;
                docker.RequireRunning(stack.Containers.Values, "after the next backup");
                foreach (var (app, path) in stack.Paths) series.RequireLatestRestores(stack.Repository, path, "--tag", $"app:{app}");
            });
            CrashCampaign.Report($"crash stack-backup: containers a killed backup left stopped, started by the next backup: {recovered}");
        }
        finally
        {
            docker.Remove(stack.Containers.Values);
        }
    }
}

public sealed class RestoreInPlaceCrashTests(CrashDocker docker)
{
    [Fact]
    public async Task A_killed_restore_in_place_leaves_each_path_wholly_old_or_wholly_new_and_the_next_restore_completes_it()
    {
        var daemon = docker.Daemon;
        using var series = new CrashSeries("restore-in-place");
        var stack = await CrashStack.CreateAsync(series, docker, [("web", "stop")]);
        try
        {
            var lifeboat = stack.Lifeboat(series, docker);
            var versions = TwoVersions.Make(series, stack, lifeboat, "web");
            int live = 1;
            series.Measure(() => lifeboat.RunChecked("restore", "web", "--snapshot", versions.Ids[0], "--delete"));
            live = 0;
            int rolledBack = 0;
            series.Run(run =>
            {
                int target = 1 - live;
                series.Kill(lifeboat, "restore", "web", "--snapshot", versions.Ids[target], "--delete");
                series.Check(stack.Repository);
                // the next command (a backup of the app) first rolls back a restore the kill interrupted: the path is
                // then wholly one version, and the backup saves that, never a half-restored app
                rolledBack += RolledBack(lifeboat.RunChecked("backup", "web"));
                versions.RequireWhole(stack, live, target, "after the kill and the next command's rollback");
                series.RequireLatestRestores(stack.Repository, stack.Paths["web"], "--tag", "app:web");
                docker.RequireRunning(stack.Containers.Values, "after the kill and the next command");
                lifeboat.RunChecked("restore", "web", "--snapshot", versions.Ids[target], "--delete");
                versions.RequireWhole(stack, target, target, "after the next restore");
                docker.RequireRunning(stack.Containers.Values, "after the next restore");
                live = target;
            });
            CrashCampaign.Report($"crash restore-in-place: killed restores rolled back by the next command: {rolledBack}");
        }
        finally
        {
            docker.Remove(stack.Containers.Values);
        }
    }

    /// <summary>1 when the command's stderr says it rolled back an interrupted restore, else 0.</summary>
    internal static int RolledBack(ProcessResult result) =>
        result.Stderr.Contains("was rolled back", StringComparison.Ordinal) ? 1 : 0;
}

public sealed class RebuildCrashTests(CrashDocker docker)
{
    [Fact]
    public async Task A_killed_rebuild_leaves_each_path_wholly_old_or_wholly_new_and_the_next_rebuild_completes_it()
    {
        var daemon = docker.Daemon;
        using var series = new CrashSeries("rebuild");
        var stack = await CrashStack.CreateAsync(series, docker, [("web", "none"), ("db", "none")]);
        try
        {
            var lifeboat = stack.Lifeboat(series, docker);
            var web = TwoVersions.Make(series, stack, lifeboat, "web");
            var db = TwoVersions.Make(series, stack, lifeboat, "db");
            int live = 1;
            await TwoVersions.MakeNewestAsync(series, stack, [web.Ids[0], db.Ids[0]]);
            series.Measure(() => lifeboat.RunChecked("rebuild", "--force", "--delete"));
            live = 0;
            int rolledBack = 0;
            series.Run(run =>
            {
                int target = 1 - live;
                TwoVersions.MakeNewestAsync(series, stack, [web.Ids[target], db.Ids[target]]).GetAwaiter().GetResult();
                series.Kill(lifeboat, "rebuild", "--force", "--delete");
                series.Check(stack.Repository);
                // the next command (a backup) first rolls back an app's placement the kill interrupted
                var next = lifeboat.RunChecked("backup");
                rolledBack += RestoreInPlaceCrashTests.RolledBack(next);
                web.RequireWhole(stack, live, target, "after the kill and the next command's rollback");
                db.RequireWhole(stack, live, target, "after the kill and the next command's rollback");
                // that backup made the newest snapshots: the target versions are made the newest again
                TwoVersions.MakeNewestAsync(series, stack, [web.Ids[target], db.Ids[target]]).GetAwaiter().GetResult();
                lifeboat.RunChecked("rebuild", "--force", "--delete");
                web.RequireWhole(stack, target, target, "after the next rebuild");
                db.RequireWhole(stack, target, target, "after the next rebuild");
                live = target;
            });
            CrashCampaign.Report($"crash rebuild: killed placements rolled back by the next command: {rolledBack}");
        }
        finally
        {
            docker.Remove(stack.Containers.Values);
        }
    }
}

/// <summary>Two snapshots of one app (old and new content, with files changed, added and removed) and their restored copies to compare with.</summary>
public sealed class TwoVersions
{
    public required string App { get; init; }
    public required string[] Ids { get; init; }
    public required string[] References { get; init; }

    /// <summary>Backs up the app's path as it is (version 0), changes it, backs up again (version 1); the path is left at version 1.</summary>
    public static TwoVersions Make(CrashSeries series, CrashStack stack, LifeboatProcess lifeboat, string app)
    {
        var path = stack.Paths[app];
        var ids = new string[2];
        var references = new string[2];
        for (int version = 0; version < 2; version++)
        {
            if (version == 1)
            {
                TestTrees.Mutate(path, series.Random, changes: 15);
                Directory.Delete(Directory.GetDirectories(path).Order(StringComparer.Ordinal).First(), recursive: true);
                TestTrees.Generate(Path.Combine(path, "added"), series.Random, files: 8, bytes: 256 << 10);
            }
            lifeboat.RunChecked("backup", app);
            ids[version] = series.Snapshots(stack.Repository, "--tag", $"app:{app}").Last().GetProperty("id").GetString()!;
            references[version] = series.Temp.Combine($"reference/{app}-{version}");
            using var restic = series.Restic(stack.Repository);
            restic.RunChecked("restore", ids[version], "--target", references[version]);
        }
        return new TwoVersions { App = app, Ids = ids, References = references };
    }

    /// <summary>Throws unless the app's path is exactly version <paramref name="a"/> or exactly version <paramref name="b"/>.</summary>
    public void RequireWhole(CrashStack stack, int a, int b, string when)
    {
        var path = stack.Paths[App];
        var fromA = TestTrees.Differences(References[a] + path, path);
        if (fromA.Count == 0) return;
        var fromB = a == b ? fromA : TestTrees.Differences(References[b] + path, path);
        if (fromB.Count == 0) return;
        throw new CrashFailure($"{when}, {path} is neither wholly version {a} ({fromA.Count} differences: {string.Join("; ", fromA.Take(5))}) " +
                               $"nor wholly version {b} ({fromB.Count} differences: {string.Join("; ", fromB.Take(5))})");
    }

    /// <summary>Makes these snapshots the apps' newest (copies dated now), as rebuild restores the newest.</summary>
    public static async Task MakeNewestAsync(CrashSeries series, CrashStack stack, string[] ids)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var repo = await Repository.OpenAsync(new LocalBackend(stack.Repository), series.Password, new RepositoryOptions(), ct);
        foreach (var id in ids)
        {
            var snapshot = await repo.LoadSnapshotAsync(Lifeboat.Engine.Id.Parse(id), ct);
            var copy = Snapshot.Parse(snapshot.ToJson());
            copy.Time = GoTime.Now();
            await repo.SaveSnapshotAsync(copy, ct);
        }
    }
}
