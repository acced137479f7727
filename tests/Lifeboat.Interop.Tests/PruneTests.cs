using System.Diagnostics;
using Lifeboat.Engine;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>
/// prune after forget: the repository shrinks, restic check --read-data accepts it and what is left restores
/// byte for byte; a prune stopped at any step (by a hook, or by SIGKILL) leaves a repository restic accepts
/// and the next prune finishes; so does a backup killed part way.
/// </summary>
public sealed class PruneTests
{
    private static readonly Random Bytes = new(7);

    /// <summary>Eight backups of files that partly change each time, then all but the last two forgotten.</summary>
    private static async Task<(string Repo, string Source)> BuildForgottenRepositoryAsync(TempDirectory work)
    {
        var source = work.Combine("src");
        var repoPath = work.Combine("repo");
        Directory.CreateDirectory(source);
        await using (var repo = await InitAsync(repoPath, 2))
        {
            for (int round = 0; round < 8; round++)
            {
                for (int f = 0; f < 6; f++)
                {
                    // Each round rewrites two of the six files: old packs end up partly used.
                    if (round > 0 && (f + round) % 3 != 0) continue;
                    var data = new byte[40_000 + Bytes.Next(60_000)];
                    Bytes.NextBytes(data);
                    await File.WriteAllBytesAsync(Path.Combine(source, $"file{f}.bin"), data, Ct);
                }
                Directory.CreateDirectory(Path.Combine(source, $"dir{round}"));
                await File.WriteAllTextAsync(Path.Combine(source, $"dir{round}", "note.txt"), $"round {round}", Ct);
                var result = await BackupAsync(repo, [source]);
                Assert.NotNull(result.SnapshotId);
            }
        }
        new LifeboatCli(repoPath, Password).RunChecked("forget", "--keep-last", "2");
        return (repoPath, source);
    }

    private static long DataBytes(string repo) =>
        Directory.EnumerateFiles(Path.Combine(repo, "data"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    [Fact]
    public async Task Prune_AfterForget_ShrinksRepository_CheckPasses_AndRestoresExactly()
    {
        using var work = new TempDirectory("lifeboat-prune");
        var (repoPath, source) = await BuildForgottenRepositoryAsync(work);
        long before = DataBytes(repoPath);
        var cli = new LifeboatCli(repoPath, Password);

        var dry = cli.RunChecked("prune", "--dry-run");
        Assert.Contains("to delete:", dry.Stdout);
        Assert.Equal(before, DataBytes(repoPath));

        var run = cli.RunChecked("prune", "--max-unused", "0%");
        Assert.Contains("remaining:", run.Stdout);
        long after = DataBytes(repoPath);
        Assert.True(after < before * 0.6, $"prune left {after} of {before} bytes");

        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic);
        var unused = restic.Run("check", "--check-unused");
        Assert.True(unused.ExitCode == 0, unused.Stdout + unused.Stderr);

        // The latest snapshot is the source as it is now.
        var target = work.Combine("restored");
        restic.Restore("latest", target);
        TreeComparer.AssertSame(source, target + source);

        // A second prune finds nothing more to do.
        cli.RunChecked("prune", "--max-unused", "0%");
        Assert.Equal(after, DataBytes(repoPath));
    }

    /// <summary>
    /// A repository restic 0.14 wrote (version 1 without compression, version 2 with it): Lifeboat's prune copies the
    /// blobs it keeps as restic stored them (verified, not encoded again) into new packs, and restic checks every byte
    /// of the result and restores it.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Prune_OfAResticRepository_CopiesItsBlobsAsStored_AndResticChecksAndRestoresTheResult(int version)
    {
        using var work = new TempDirectory("lifeboat-prune-restic");
        var source = work.Combine("src");
        var repoPath = work.Combine("repo");
        Directory.CreateDirectory(source);
        using var restic = new Restic(repoPath, Password);
        restic.RunChecked("init", "--repository-version", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        for (int round = 0; round < 6; round++)
        {
            for (int f = 0; f < 6; f++)
            {
                if (round > 0 && (f + round) % 3 != 0) continue;
                // half random, half text: compressible in a version 2 repository
                var data = new byte[30_000 + Bytes.Next(40_000)];
                Bytes.NextBytes(data.AsSpan(0, data.Length / 2));
                System.Text.Encoding.ASCII.GetBytes(new string('x', data.Length / 2), data.AsSpan(data.Length / 2));
                await File.WriteAllBytesAsync(Path.Combine(source, $"file{f}.bin"), data, Ct);
            }
            Directory.CreateDirectory(Path.Combine(source, $"dir{round}"));
            await File.WriteAllTextAsync(Path.Combine(source, $"dir{round}", "note.txt"), $"round {round}", Ct);
            restic.Backup(source);
        }
        restic.RunChecked("forget", "--keep-last", "2");
        long before = DataBytes(repoPath);

        var run = new LifeboatCli(repoPath, Password).RunChecked("prune", "--max-unused", "0%");

        Assert.Contains("repacking packs", run.Stdout);
        Assert.True(DataBytes(repoPath) < before, "the prune removed nothing");
        AssertCheck(restic);
        var unused = restic.Run("check", "--check-unused");
        Assert.True(unused.ExitCode == 0, unused.Stdout + unused.Stderr);
        var target = work.Combine("restored");
        restic.Restore("latest", target);
        TreeComparer.AssertSame(source, target + source);
    }

    public static TheoryData<PruneStep, int> Steps => new()
    {
        { PruneStep.Planned, 1 },
        { PruneStep.BlobRepacked, 1 },
        { PruneStep.BlobRepacked, 5 },
        { PruneStep.RepackFlushed, 1 },
        { PruneStep.IndexWritten, 1 },
        { PruneStep.OldIndexDeleted, 1 },
        { PruneStep.OldIndexDeleted, 4 },
        { PruneStep.PackDeleted, 1 },
        { PruneStep.PackDeleted, 3 },
    };

    private sealed class Stopped : Exception;

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Prune_StoppedAtAnyStep_LeavesARepositoryCheckAccepts_AndTheNextPruneFinishes(PruneStep step, int occurrence)
    {
        using var work = new TempDirectory("lifeboat-prune-stop");
        var (repoPath, source) = await BuildForgottenRepositoryAsync(work);
        int seen = 0;
        await using (var repo = await OpenAsync(repoPath))
        {
            var pruner = new Pruner(repo, new PruneOptions { MaxUnusedBytes = _ => 0 })
            {
                Checkpoint = s => s == step && ++seen == occurrence ? throw new Stopped() : Task.CompletedTask,
            };
            var plan = await pruner.PlanAsync(Ct);
            await Assert.ThrowsAsync<Stopped>(() => pruner.ExecuteAsync(plan, Ct));
        }
        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic, readData: false);

        new LifeboatCli(repoPath, Password).RunChecked("prune", "--max-unused", "0%");
        AssertCheck(restic);
        var target = work.Combine("restored");
        restic.Restore("latest", target);
        TreeComparer.AssertSame(source, target + source);
    }

    /// <summary>
    /// restic 0.17's resumable prune: a prune stopped once its new packs and their index are written leaves each moved
    /// blob twice; the next prune keeps the new packs (nothing but used copies) and deletes the old ones outright
    /// instead of repacking them again.
    /// </summary>
    [Fact]
    public async Task Prune_StoppedAfterRepacking_TheNextPruneKeepsTheNewPacks_AndRepacksNothingAgain()
    {
        using var work = new TempDirectory("lifeboat-prune-resume");
        var (repoPath, source) = await BuildForgottenRepositoryAsync(work);
        HashSet<Id> repacked, packsBefore;
        await using (var repo = await OpenAsync(repoPath))
        {
            packsBefore = [.. repo.Index.Packs];
            var pruner = new Pruner(repo, new PruneOptions { MaxUnusedBytes = _ => 0 })
            {
                Checkpoint = s => s == PruneStep.RepackFlushed ? throw new Stopped() : Task.CompletedTask,
            };
            var plan = await pruner.PlanAsync(Ct);
            repacked = [.. plan.RepackPacks];
            Assert.NotEmpty(repacked);
            await Assert.ThrowsAsync<Stopped>(() => pruner.ExecuteAsync(plan, Ct));
        }
        await using (var repo = await OpenAsync(repoPath))
        {
            var newPacks = repo.Index.Packs.Where(p => !packsBefore.Contains(p)).ToHashSet();
            Assert.NotEmpty(newPacks);
            // small packs are left alone here, so that what is seen is only the interrupted prune's work
            var again = await new Pruner(repo, new PruneOptions { MaxUnusedBytes = _ => 0, SmallPackBytes = 1 }).PlanAsync(Ct);
            Assert.Empty(again.RepackPacks);
            Assert.Empty(again.BlobsToRepack);
            Assert.Equal(repacked.Order(), again.RemovePacks.Order());
            Assert.DoesNotContain(again.RemovePacks, newPacks.Contains);
        }
        new LifeboatCli(repoPath, Password).RunChecked("prune", "--max-unused", "0%");
        using var restic = new Restic(repoPath, Password);
        AssertCheck(restic);
        var target = work.Combine("restored");
        restic.Restore("latest", target);
        TreeComparer.AssertSame(source, target + source);
    }

    private static Process Start(string repo, params string[] args)
    {
        var psi = new ProcessStartInfo(LifeboatCli.Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in new[] { "RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND", "RESTIC_REPOSITORY_FILE" }) psi.Environment.Remove(name);
        psi.Environment["RESTIC_REPOSITORY"] = repo;
        psi.Environment["RESTIC_PASSWORD"] = Password;
        return Process.Start(psi)!;
    }

    private static void KillAfter(Process process, int milliseconds)
    {
        process.WaitForExit(milliseconds);
        if (!process.HasExited) process.Kill(); // SIGKILL: no cleanup runs
        process.WaitForExit();
    }

    /// <summary>As after any crash with restic 0.14: `restic unlock` removes the dead process's lock (stale, so removable).</summary>
    private static void Unlock(Restic restic) => restic.RunChecked("unlock");

    [Fact]
    public async Task Prune_Killed_AfterVariedDelays_CheckPasses_AndTheNextPruneFinishes()
    {
        using var work = new TempDirectory("lifeboat-prune-kill");
        var (baseRepo, source) = await BuildForgottenRepositoryAsync(work);
        foreach (int delay in new[] { 120, 250, 400, 600, 900 })
        {
            var repoPath = work.Combine($"repo-{delay}");
            CopyTree(baseRepo, repoPath);
            using (var prune = Start(repoPath, "prune", "--max-unused", "0%")) KillAfter(prune, delay);
            using var restic = new Restic(repoPath, Password);
            Unlock(restic);
            AssertCheck(restic, readData: false);
            new LifeboatCli(repoPath, Password).RunChecked("prune", "--max-unused", "0%");
            AssertCheck(restic, readData: false);
        }
        using (var last = new Restic(work.Combine("repo-900"), Password))
        {
            AssertCheck(last);
            var target = work.Combine("restored");
            last.Restore("latest", target);
            TreeComparer.AssertSame(source, target + source);
        }
    }

    [Fact]
    public async Task Backup_Killed_CheckPasses_AndTheNextBackupAndPruneSucceed()
    {
        using var work = new TempDirectory("lifeboat-backup-kill");
        var source = work.Combine("big");
        Directory.CreateDirectory(source);
        for (int i = 0; i < 12; i++)
        {
            var data = new byte[3_000_000];
            Bytes.NextBytes(data);
            await File.WriteAllBytesAsync(Path.Combine(source, $"f{i}"), data, Ct);
        }
        var repoPath = work.Combine("repo");
        await using (await InitAsync(repoPath, 2)) { }
        var cli = new LifeboatCli(repoPath, Password);
        using var restic = new Restic(repoPath, Password);
        foreach (int delay in new[] { 300, 700 })
        {
            using (var backup = Start(repoPath, "backup", source)) KillAfter(backup, delay);
            Unlock(restic);
            AssertCheck(restic, readData: false);
        }
        cli.RunChecked("backup", source);
        AssertCheck(restic);
        // Packs the killed backups left without an index are removed by prune; nothing used is lost.
        cli.RunChecked("prune");
        AssertCheck(restic);
        var target = work.Combine("restored");
        restic.Restore("latest", target);
        TreeComparer.AssertSame(source, target + source);
    }
}
