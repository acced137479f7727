using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Crash.Tests;

/// <summary>
/// backup (path mode), forget, prune and copy, each SIGKILLed at random points of its run: after every kill the
/// repository checks, and the next run of the same operation succeeds with the right result.
/// </summary>
public sealed class BackupCrashTests
{
    [Fact]
    public async Task A_killed_backup_leaves_a_repository_that_checks_and_the_next_backup_restores_byte_exact()
    {
        using var series = new CrashSeries("backup");
        var repo = await series.InitRepositoryAsync(series.Temp.Combine("repo"));
        var source = series.Temp.Combine("src");
        TestTrees.Generate(source, series.Random);
        var lifeboat = series.Lifeboat(repo);
        series.Measure(() => lifeboat.RunChecked("backup", source));
        series.Run(run =>
        {
            TestTrees.Mutate(source, series.Random);
            series.Kill(lifeboat, "backup", source);
            series.Check(repo);
            lifeboat.RunChecked("backup", source);
            series.RequireLatestRestores(repo, source);
        });
    }
}

public sealed class ForgetCrashTests
{
    private const int BatchSize = 12;

    [Fact]
    public async Task A_killed_forget_leaves_a_repository_that_checks_and_the_next_forget_keeps_exactly_the_policys_snapshots()
    {
        using var series = new CrashSeries("forget");
        var repo = await series.InitRepositoryAsync(series.Temp.Combine("repo"));
        var source = series.Temp.Combine("src");
        TestTrees.Generate(source, series.Random, files: 10, bytes: 64 << 10);
        var lifeboat = series.Lifeboat(repo);
        lifeboat.RunChecked("backup", source, "--tag", "base");
        await AddBatchAsync(series, repo, "measure");
        series.Measure(() => lifeboat.RunChecked("forget", "--tag", "batch-measure", "--keep-last", "1"));
        series.Run(run =>
        {
            var batch = $"batch-{run}";
            var newest = AddBatchAsync(series, repo, batch[6..]).GetAwaiter().GetResult();
            series.Kill(lifeboat, "forget", "--tag", batch, "--keep-last", "1");
            series.Check(repo);
            lifeboat.RunChecked("forget", "--tag", batch, "--keep-last", "1");
            var all = series.Snapshots(repo);
            var left = all.Where(s => s.TryGetProperty("tags", out var tags) && tags.EnumerateArray().Any(t => t.GetString() == batch)).ToList();
            if (left.Count != 1 || left[0].GetProperty("id").GetString() != newest)
                throw new CrashFailure($"forget --keep-last 1 left {left.Count} snapshots of {batch}, not just the newest {newest[..8]}");
            // the other batches and the base snapshot are untouched: one each
            if (all.Count != run + 3) throw new CrashFailure($"{all.Count} snapshots in the repository, expected {run + 3}");
        });
    }

    /// <summary>Copies of the base snapshot, tagged batch-NAME, a second apart; returns the newest's ID.</summary>
    private static async Task<string> AddBatchAsync(CrashSeries series, string repository, string name)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var repo = await Repository.OpenAsync(new LocalBackend(repository), series.Password, new RepositoryOptions(), ct);
        var baseSnapshot = (await repo.ListSnapshotsAsync(ct)).Single(s => s.HasTag("base"));
        string newest = "";
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        for (int i = 0; i < BatchSize; i++)
        {
            var copy = Snapshot.Parse(baseSnapshot.ToJson());
            copy.Tags = [$"batch-{name}"];
            copy.Time = GoTime.FromDateTimeOffset(start.AddSeconds(i));
            newest = (await repo.SaveSnapshotAsync(copy, ct)).ToString();
        }
        return newest;
    }
}

public sealed class PruneCrashTests
{
    [Fact]
    public async Task A_killed_prune_leaves_a_repository_that_checks_and_the_next_prune_leaves_one_that_reads_back()
    {
        using var series = new CrashSeries("prune");
        var repo = await series.InitRepositoryAsync(series.Temp.Combine("repo"));
        var source = series.Temp.Combine("src");
        TestTrees.Generate(source, series.Random);
        var lifeboat = series.Lifeboat(repo);
        lifeboat.RunChecked("backup", source);
        NewData(series, source);
        lifeboat.RunChecked("backup", source);
        series.Measure(() => lifeboat.RunChecked("forget", "--keep-last", "1", "--prune"));
        series.Run(run =>
        {
            // a snapshot whose data the next one partly drops: the prune repacks and deletes
            NewData(series, source);
            lifeboat.RunChecked("backup", source);
            series.Kill(lifeboat, "forget", "--keep-last", "1", "--prune");
            series.Check(repo);
            lifeboat.RunChecked("forget", "--keep-last", "1", "--prune");
            // the prune's own result, read back whole on the sampled runs
            if (series.ReadDataNow) series.Check(repo, readData: true);
            if (series.Snapshots(repo).Count != 1) throw new CrashFailure("forget --keep-last 1 --prune left more than one snapshot");
            series.RequireLatestRestores(repo, source);
        });
    }

    private static void NewData(CrashSeries series, string source)
    {
        TestTrees.Mutate(source, series.Random, changes: 12);
        foreach (var old in Directory.GetFiles(source, "big-*")) File.Delete(old);
        TestTrees.WriteRandom(Path.Combine(source, $"big-{Guid.NewGuid():N}.bin"), series.Random, 1 << 20);
    }
}

public sealed class CopyCrashTests
{
    [Fact]
    public async Task A_killed_copy_leaves_a_destination_that_checks_and_the_next_copy_brings_every_snapshot()
    {
        using var series = new CrashSeries("copy");
        var from = await series.InitRepositoryAsync(series.Temp.Combine("from"));
        var to = await series.InitRepositoryAsync(series.Temp.Combine("to"));
        var source = series.Temp.Combine("src");
        TestTrees.Generate(source, series.Random);
        var backup = series.Lifeboat(from);
        var copy = series.Lifeboat(to).With("RESTIC_FROM_REPOSITORY", from).With("RESTIC_FROM_PASSWORD_FILE", series.PasswordFile());
        backup.RunChecked("backup", source);
        series.Measure(() => copy.RunChecked("copy"));
        series.Run(run =>
        {
            TestTrees.Mutate(source, series.Random);
            backup.RunChecked("backup", source);
            series.Kill(copy, "copy");
            series.Check(to);
            copy.RunChecked("copy");
            var want = series.Snapshots(from).Select(s => s.GetProperty("tree").GetString()).Order().ToList();
            var have = series.Snapshots(to).Select(s => s.GetProperty("tree").GetString()).Order().ToList();
            if (!want.SequenceEqual(have))
                throw new CrashFailure($"the destination has {have.Count} snapshots ({string.Join(",", have.Select(t => t![..8]))}), the source {want.Count} ({string.Join(",", want.Select(t => t![..8]))})");
            series.RequireLatestRestores(to, source);
        });
    }
}
