using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Lifeboat.TestSupport;

/// <summary>
/// Several `lifeboat backup` processes (as several hosts) writing into one repository at the same time, each holding
/// its shared lock, while a `forget --prune` that needs the exclusive lock waits its turn (--retry-lock); then the
/// outcomes a user cares about: every backup and the prune succeeded, restic 0.14 checks every byte, no snapshot is
/// lost, and every snapshot restores exactly the tree it was taken from. The repository's location, credentials and
/// extra options come from the caller, so the same scenario runs on a local folder and on S3 stores.
/// </summary>
public sealed class ManyWritersScenario(
    TempDirectory temp,
    Func<LifeboatCli> lifeboat,
    IReadOnlyList<string> commonArgs,
    Func<Restic> restic,
    IReadOnlyList<string> resticArgs,
    IDictionary<string, string?>? resticEnvironment = null)
{
    public int Writers { get; init; } = 4;
    public int Rounds { get; init; } = 3;

    /// <summary>What happened, for the test's output.</summary>
    public sealed record Outcome(int Backups, int Snapshots, TimeSpan Elapsed, TimeSpan PruneWaited, bool PruneOverlappedBackups);

    private sealed record Taken(string Host, int Round, string SnapshotId, string Expected, string Source);

    public async Task<Outcome> RunAsync(CancellationToken cancellationToken)
    {
        Run(["init"]);
        var old = PrepareOldHistory();
        var sources = Enumerable.Range(0, Writers).Select(PrepareWriter).ToArray();
        var taken = new ConcurrentBag<Taken>();
        var firstBackupDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopwatch = Stopwatch.StartNew();
        var backupsEnded = new ConcurrentBag<TimeSpan>();

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ChangeWriterTree(sources[w], w, round);
                var expected = temp.Combine($"expected/w{w}-r{round}");
                TestData.CopyTree(sources[w], expected);
                var r = Run(["--retry-lock", "5m", "backup", "--json", "--host", $"w{w}", sources[w]]);
                taken.Add(new Taken($"w{w}", round, SummarySnapshotId(r), expected, sources[w]));
                backupsEnded.Add(stopwatch.Elapsed);
                firstBackupDone.TrySetResult();
            }
        }, cancellationToken)).ToArray();

        // The prune asks for its exclusive lock while the other writers hold theirs: it must wait, not fail or interleave.
        await firstBackupDone.Task.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        var pruneAsked = stopwatch.Elapsed;
        var prune = Task.Run(() => Run(["--retry-lock", "10m", "forget", "--host", "old", "--keep-last", "1", "--prune"]), cancellationToken);
        await Task.WhenAll(writers);
        await prune;
        var pruneEnded = stopwatch.Elapsed;
        var lastBackupEnded = backupsEnded.Max();

        var check = restic().Run([.. resticArgs, "check", "--read-data"], extraEnv: resticEnvironment);
        if (check.ExitCode != 0)
            throw new InvalidOperationException($"restic check --read-data failed after {Writers} writers and a prune:\n{check.Stdout}\n{check.Stderr}");
        Run(["check"]);

        var listed = Run(["snapshots", "--json"]);
        var snapshots = JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray()
            .Select(s => (Id: s.GetProperty("id").GetString()!, Host: s.GetProperty("hostname").GetString()!)).ToList();
        var missing = taken.Where(t => snapshots.All(s => s.Id != t.SnapshotId)).Select(t => $"{t.Host} round {t.Round}").ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"snapshots lost: {string.Join(", ", missing)}");
        if (snapshots.Count != Writers * Rounds + 1 || snapshots.Count(s => s.Host == "old") != 1)
            throw new InvalidOperationException($"expected {Writers * Rounds} writers' snapshots and the one kept of host old, found: " +
                string.Join(", ", snapshots.Select(s => $"{s.Host} {s.Id[..8]}")));

        foreach (var t in taken)
        {
            var target = temp.Combine($"restored/{t.Host}-r{t.Round}");
            Run(["restore", t.SnapshotId, "--target", target]);
            TreeComparer.AssertSame(t.Expected, target + t.Source);
        }
        // The kept snapshot of the pruned host still restores from what prune left.
        var oldTarget = temp.Combine("restored/old");
        var restored = restic().Run([.. resticArgs, "restore", "latest", "--host", "old", "--target", oldTarget], extraEnv: resticEnvironment);
        if (restored.ExitCode != 0) throw new InvalidOperationException($"restic restore of host old failed:\n{restored.Stderr}");
        TreeComparer.AssertSame(old.Expected, oldTarget + old.Source);

        return new Outcome(taken.Count, snapshots.Count, stopwatch.Elapsed, pruneEnded - pruneAsked, pruneAsked < lastBackupEnded);
    }

    private ProcessResult Run(IReadOnlyList<string> args)
    {
        var r = lifeboat().Run([.. commonArgs, .. args]);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"lifeboat {string.Join(' ', args)} exited {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        return r;
    }

    private static string SummarySnapshotId(ProcessResult backup)
    {
        foreach (var line in backup.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("message_type", out var type) && type.GetString() == "summary")
                return doc.RootElement.GetProperty("snapshot_id").GetString()!;
        }
        throw new InvalidOperationException($"no summary in the backup's output:\n{backup.Stdout}");
    }

    /// <summary>Host "old": three snapshots whose large files come and go, so the prune has packs to remove and repack.</summary>
    private (string Source, string Expected) PrepareOldHistory()
    {
        var source = temp.Combine("sources/old");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "kept.txt"), "kept across the history");
        for (int round = 0; round < 3; round++)
        {
            foreach (var f in Directory.GetFiles(source, "big-*")) File.Delete(f);
            File.WriteAllBytes(Path.Combine(source, $"big-{round}.bin"), TestData.SeededBytes(9000 + round, 3 * 1024 * 1024));
            File.WriteAllBytes(Path.Combine(source, $"small-{round}.bin"), TestData.SeededBytes(9100 + round, 3000));
            Run(["backup", "--host", "old", source]);
        }
        var expected = temp.Combine("expected/old");
        TestData.CopyTree(source, expected);
        return (source, expected);
    }

    /// <summary>A writer's tree: files of its own and files every writer holds (the same blobs saved by several at once).</summary>
    private string PrepareWriter(int w)
    {
        var source = temp.Combine($"sources/w{w}");
        Directory.CreateDirectory(Path.Combine(source, "shared"));
        Directory.CreateDirectory(Path.Combine(source, "own"));
        for (int i = 0; i < 8; i++) File.WriteAllBytes(Path.Combine(source, "shared", $"s{i}.bin"), TestData.SeededBytes(100 + i, 64 * 1024 + i * 7919));
        File.WriteAllBytes(Path.Combine(source, "shared", "large.bin"), TestData.SeededBytes(200, 2 * 1024 * 1024));
        for (int i = 0; i < 40; i++) File.WriteAllBytes(Path.Combine(source, "own", $"f{i}.bin"), TestData.SeededBytes(1000 * (w + 1) + i, 100 + i * 811));
        return source;
    }

    private static void ChangeWriterTree(string source, int w, int round)
    {
        File.WriteAllBytes(Path.Combine(source, "own", $"round-{round}.bin"), TestData.SeededBytes(50_000 + w * 100 + round, 512 * 1024));
        File.WriteAllBytes(Path.Combine(source, "own", $"f{round}.bin"), TestData.SeededBytes(60_000 + w * 100 + round, 4096));
        if (round > 0) File.Delete(Path.Combine(source, "own", $"round-{round - 1}.bin"));
    }

}
