using System.Security.Cryptography;
using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// The real `lifeboat` with storage that misbehaves (LIFEBOAT_FAULT_INJECTION, <see cref="Lifeboat.Engine.Storage.FaultInjectingBackend"/>):
/// calls that fail, reads cut short or with a bit flipped, slow answers, a full disk, saves that land and then report
/// failure, under backup, restore, check --read-data, forget --prune and copy. Every run either succeeds or ends in
/// one clear line; damage it read is never passed on silently (a restore that succeeds is byte-exact, a check that read
/// damage fails naming the file); the repository stays intact (restic 0.14 checks every byte after each run); and the
/// next run without faults, with the same cache, succeeds. LIFEBOAT_FAULT_RUNS sets the number of runs (default 25),
/// LIFEBOAT_FAULT_SEED the first seed (a failure names its run's seed and fault plan).
/// </summary>
public sealed class FaultInjectionCampaignTests : IDisposable
{
    private const string Password = "fault campaign password";
    private readonly TempDirectory _temp = new("lifeboat-faults");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Operations = ["backup", "restore", "check", "prune", "copy"];

    private string Template => _temp.Combine("template");
    private string Source => _temp.Combine("src");
    private string Expected => _temp.Combine("expected");

    [Fact]
    public void Every_operation_under_storage_faults_succeeds_or_fails_in_one_line_and_the_repository_stays_intact()
    {
        int runs = int.TryParse(Environment.GetEnvironmentVariable("LIFEBOAT_FAULT_RUNS"), out int n) && n > 0 ? n : 25;
        int baseSeed = int.TryParse(Environment.GetEnvironmentVariable("LIFEBOAT_FAULT_SEED"), out int s) ? s : Random.Shared.Next(1_000_000);
        PrepareTemplate();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var counts = new Dictionary<string, int>();
        int failed = 0, damageRead = 0, damageNamed = 0;
        for (int i = 0; i < runs; i++)
        {
            Ct.ThrowIfCancellationRequested();
            int seed = baseSeed + i;
            string operation = Operations[i % Operations.Length];
            var outcome = RunOne(i, seed, operation);
            foreach (var kind in outcome.Faults) counts[kind] = counts.GetValueOrDefault(kind) + 1;
            if (outcome.ExitCode != 0) failed++;
            if (outcome.DamageRead) damageRead++;
            if (outcome.DamageNamed) damageNamed++;
        }
        var figures = $"storage faults: {runs} runs from seed {baseSeed} in {clock.Elapsed.TotalSeconds:F0} s: {failed} ended in one line, {runs - failed} succeeded; faults injected: " +
            string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")) +
            $"; check or restore runs that read damage: {damageRead}, none passed it on ({damageNamed} checks named the damaged file); restic check --read-data after every run: passed";
        TestContext.Current.TestOutputHelper?.WriteLine(figures);
        // LIFEBOAT_CAMPAIGN_REPORT names a file that collects the campaigns' figures (for the README's Reliability section).
        if (Environment.GetEnvironmentVariable("LIFEBOAT_CAMPAIGN_REPORT") is { Length: > 0 } report) File.AppendAllText(report, figures + "\n");
        Assert.True(counts.Values.Sum() > runs / 2, "the campaign injected almost no faults: it tested nothing");
    }

    private sealed record RunOutcome(int ExitCode, IReadOnlyList<string> Faults, bool DamageRead, bool DamageNamed);

    private RunOutcome RunOne(int index, int seed, string operation)
    {
        var repo = _temp.Combine($"run{index}/repo");
        TestData.CopyTree(Template, repo);
        var cache = _temp.Combine($"run{index}/cache");
        var log = _temp.Combine($"run{index}/faults.log");
        File.WriteAllText(log, "");
        var random = new Random(seed);
        // One kind of fault per run, at a rate that lets some runs through: each kind meets every operation.
        string[] kinds = ["error", "short-read", "flip", "lost-ack", "full-after", "mixed"];
        string kind = kinds[random.Next(kinds.Length)];
        double rate = new[] { 0.02, 0.05, 0.1 }[random.Next(3)];
        var spec = $"seed={seed},slow=0.05,slow-ms=20,log={log}," + kind switch
        {
            "full-after" => $"full-after={random.Next(1, 12) * 1_000_000}",
            "mixed" => $"error={rate / 4},short-read={rate / 4},flip={rate / 4},lost-ack={rate / 4}",
            _ => $"{kind}={rate}",
        };
        string replay = $"run {index}, {operation}, LIFEBOAT_FAULT_INJECTION={spec}";

        string[] args;
        string? target = null, copyTarget = null;
        switch (operation)
        {
            case "backup":
                File.WriteAllBytes(Path.Combine(Source, "new", $"run{index}.bin"), TestData.SeededBytes(seed, 2_500_000));
                args = ["backup", Source];
                break;
            case "restore":
                target = _temp.Combine($"run{index}/restored");
                args = ["restore", "latest", "--target", target];
                break;
            case "check":
                args = ["check", "--read-data"];
                break;
            case "prune":
                args = ["forget", "--keep-last", "1", "--prune"];
                break;
            default:
                copyTarget = _temp.Combine($"run{index}/copy");
                Clean(["-r", copyTarget, "init"], repo, cache);
                args = ["-r", copyTarget, "copy", "--from-repo", repo];
                break;
        }

        var faulty = Lifeboat(repo, cache).With("LIFEBOAT_FAULT_INJECTION", spec).With("RESTIC_FROM_PASSWORD", Password)
            .Run(["--cache-dir", cache, .. args]);
        var faults = File.ReadAllLines(log).Where(l => l.Length > 0).ToList();
        string output = faulty.Stdout + faulty.Stderr;
        Assert.False(output.Contains("Fatal: unexpected", StringComparison.Ordinal) || output.Contains("   at ", StringComparison.Ordinal) || output.Contains("Exception", StringComparison.Ordinal),
            $"{replay}: not a clear error\n{output}\nfaults:\n{string.Join('\n', faults)}");
        if (faulty.ExitCode != 0)
        {
            var last = faulty.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
            Assert.True(last.StartsWith("Fatal: ", StringComparison.Ordinal) || faulty.ExitCode == 3,
                $"{replay}: exit {faulty.ExitCode} without a Fatal line\n{output}\nfaults:\n{string.Join('\n', faults)}");
            Assert.True(faults.Count > 0, $"{replay}: failed with no fault injected\n{output}");
        }

        // Damage read from storage is detected: a check that read a flipped or cut pack fails naming it; a restore that succeeds is exact.
        var damaged = faults.Where(f => f.StartsWith("flip ", StringComparison.Ordinal) || f.StartsWith("short-read ", StringComparison.Ordinal)).ToList();
        bool damageNamed = false;
        if (operation == "check" && damaged.Count > 0)
        {
            Assert.True(faulty.ExitCode != 0, $"{replay}: check --read-data read damage and passed\n{output}\nfaults:\n{string.Join('\n', faults)}");
            damageNamed = damaged.Any(f => output.Contains(f.Split(' ')[2][..8], StringComparison.Ordinal));
        }
        if (operation == "restore" && faulty.ExitCode == 0)
            TreeComparer.AssertSame(Expected, target + Source, new TreeCompareOptions { CompareRootMetadata = false });

        // The repository is intact: restic reads every byte of it. A lock whose removal failed is left behind, as restic
        // leaves its own; `restic unlock` removes it because its process is gone (Lifeboat's own next run ignores it).
        var oracle = new Restic(repo, Password, useCache: false);
        oracle.RunChecked("unlock");
        var check = oracle.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, $"{replay}: restic check --read-data failed after the run (exit {faulty.ExitCode})\n{output}\nfaults:\n{string.Join('\n', faults)}\n{check.Stdout}\n{check.Stderr}");
        if (copyTarget is not null)
        {
            var copyOracle = new Restic(copyTarget, Password, useCache: false);
            copyOracle.RunChecked("unlock");
            var checkCopy = copyOracle.Run("check", "--read-data");
            Assert.True(checkCopy.ExitCode == 0, $"{replay}: the copy's target fails restic check\n{checkCopy.Stdout}\n{checkCopy.Stderr}");
        }

        // The next run without faults, with the same cache, succeeds and is right.
        if (target is not null && Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Clean(args, repo, cache, ["RESTIC_FROM_PASSWORD", Password]);
        if (target is not null) TreeComparer.AssertSame(Expected, target + Source, new TreeCompareOptions { CompareRootMetadata = false });
        if (operation == "backup")
        {
            var snapshots = Clean(["snapshots", "--json"], repo, cache);
            Assert.True(JsonDocument.Parse(snapshots.Stdout).RootElement.GetArrayLength() >= 3, $"{replay}: the clean backup left no snapshot");
            File.Delete(Path.Combine(Source, "new", $"run{index}.bin"));
        }
        Directory.Delete(_temp.Combine($"run{index}"), recursive: true);
        return new RunOutcome(faulty.ExitCode, faults.Select(f => f.Split(' ')[0]).ToList(), damaged.Count > 0 && (operation is "check" or "restore"), damageNamed);
    }

    private static LifeboatCli Lifeboat(string repo, string cache) => new LifeboatCli(repo, Password).With("RESTIC_PACK_SIZE", "4");

    private static ProcessResult Clean(string[] args, string repo, string cache, string[]? env = null)
    {
        var cli = Lifeboat(repo, cache);
        for (int i = 0; env is not null && i + 1 < env.Length; i += 2) cli.With(env[i], env[i + 1]);
        var r = cli.Run(["--cache-dir", cache, .. args]);
        Assert.True(r.ExitCode == 0, $"lifeboat {string.Join(' ', args)} without faults exited {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        return r;
    }

    /// <summary>A repository of two snapshots whose packs differ, so prune has work; the second snapshot's tree kept as the expected restore.</summary>
    private void PrepareTemplate()
    {
        Directory.CreateDirectory(Path.Combine(Source, "new"));
        for (int i = 0; i < 30; i++) File.WriteAllBytes(Path.Combine(Source, $"small-{i}.txt"), TestData.SeededBytes(i, 200 + i * 300));
        for (int i = 0; i < 3; i++) File.WriteAllBytes(Path.Combine(Source, $"big-{i}.bin"), TestData.SeededBytes(100 + i, 1_500_000));
        var cache = _temp.Combine("template-cache");
        Clean(["init"], Template, cache);
        Clean(["backup", Source], Template, cache);
        File.Delete(Path.Combine(Source, "big-0.bin"));
        File.WriteAllBytes(Path.Combine(Source, "big-3.bin"), RandomNumberGenerator.GetBytes(3_000_000));
        Clean(["backup", Source], Template, cache);
        TestData.CopyTree(Source, Expected);
    }

    public void Dispose() => _temp.Dispose();
}
