using System.Text.Json.Nodes;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Model;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>
/// `lifeboat forget` in stack mode against restic as the oracle: two apps with a few dozen snapshots each at generated
/// times (an old host's first, then this config's host; one app's paths edited half way), one with its own retention
/// and one with the stack's. For each app the dry run must keep and remove exactly what
/// `restic forget --tag app:NAME --group-by host --keep-… --dry-run --json` does, for the same reasons; then the real
/// forget with --prune leaves a repository restic checks with --read-data, without the removed snapshots.
/// </summary>
public sealed class StackForgetTests
{
    // one table for both sides: the YAML keys are restic's flags without the dashes
    private static readonly (string Key, string Value)[] PlexPolicy = [("keep-last", "4"), ("keep-within-daily", "10d"), ("keep-monthly", "2")];
    private static readonly (string Key, string Value)[] StackPolicy = [("keep-daily", "5"), ("keep-weekly", "3"), ("keep-monthly", "2"), ("keep-tag", "pre-upgrade")];

    private static string Yaml((string Key, string Value)[] policy, string indent) =>
        string.Concat(policy.Select(p => $"{indent}{p.Key}: {(p.Key == "keep-tag" ? $"[{p.Value}]" : p.Value)}\n"));

    private static IEnumerable<string> Flags((string Key, string Value)[] policy) => policy.SelectMany(p => new[] { "--" + p.Key, p.Value });

    [Fact]
    public async Task StackForget_ChoosesPerAppWhatResticChooses_ThenForgetsAndPrunesCleanly()
    {
        using var work = new TempDirectory("lifeboat-stack-forget");
        var repoPath = work.Combine("repo");
        var plexA = work.Combine("mnt/plexdata");
        var plexB = work.Combine("mnt/plexextra");
        var jellyfin = work.Combine("mnt/jellyfin");
        foreach (var dir in new[] { plexA, plexB, jellyfin }) Directory.CreateDirectory(dir);

        var random = new Random(20241126);
        await using (var repo = await InitAsync(repoPath, 2))
        {
            long time = new DateTimeOffset(2024, 1, 3, 2, 30, 0, TimeSpan.Zero).ToUnixTimeSeconds();
            int[] offsets = [0, 0, 3600, -5 * 3600];
            for (int i = 0; i < 36; i++)
            {
                foreach (var app in new[] { "plex", "jellyfin" })
                {
                    // mostly hours to two days apart, sometimes minutes (several in one hour or day)
                    time += random.Next(6) == 0 ? random.Next(60, 1800) : random.Next(3600 * 4, 86400 * 2);
                    var dir = app == "plex" ? plexA : jellyfin;
                    var data = new byte[20_000 + random.Next(40_000)];
                    random.NextBytes(data);
                    await File.WriteAllBytesAsync(Path.Combine(dir, $"state{i % 5}.bin"), data, Ct);
                    // plex's paths were edited half way: restic's default grouping (host, paths) would split its history there
                    IReadOnlyList<string> paths = app == "plex" && i >= 18 ? [plexA, plexB] : [dir];
                    var tags = new List<string> { $"app:{app}" };
                    if (random.Next(8) == 0) tags.Add("pre-upgrade");
                    var archiver = new Archiver(repo, new BackupOptions
                    {
                        Paths = paths, Tags = tags,
                        // a VM rebuilt under a new name: the old host's snapshots stay in the app's history
                        Hostname = i < 8 ? "old-vm" : "media-vm",
                        Time = new GoTime(time, random.Next(1_000_000_000), offsets[random.Next(offsets.Length)]),
                    });
                    Assert.NotNull((await archiver.RunAsync(Ct)).SnapshotId);
                }
            }
        }

        var passwordFile = work.Combine("password");
        File.WriteAllText(passwordFile, Password + "\n");
        var configPath = work.Combine("lifeboat.yaml");
        File.WriteAllText(configPath, $"""
            repository: {repoPath}
            password-file: {passwordFile}
            host: media-vm
            retention:
            {Yaml(StackPolicy, "  ")}apps:
              plex:
                paths: [{plexA}, {plexB}]
                retention:
            {Yaml(PlexPolicy, "      ")}  jellyfin:
                paths: [{jellyfin}]
            """);
        var cli = new LifeboatCli().With("LIFEBOAT_CONFIG", configPath);
        using var restic = new Restic(repoPath, Password);
        var before = SnapshotIds(restic);
        Assert.Equal(72, before.Count);

        var dry = cli.RunChecked("forget", "--dry-run", "--json");
        var perApp = JsonNode.Parse(dry.Stdout)!.AsArray().ToDictionary(a => (string)a!["app"]!, a => Groups(a!["groups"]!.AsArray()));
        Assert.Equal(["plex", "jellyfin"], perApp.Keys);
        Assert.Equal(before, SnapshotIds(restic));

        var kept = new HashSet<string>();
        foreach (var (app, policy) in new[] { ("plex", PlexPolicy), ("jellyfin", StackPolicy) })
        {
            var expected = Groups(JsonNode.Parse(restic.RunChecked(
                ["forget", "--tag", $"app:{app}", "--group-by", "host", .. Flags(policy), "--dry-run", "--json"]).Stdout)!.AsArray());
            var got = perApp[app];
            foreach (var group in got.Values) ForgetPolicyTests.WithoutRestic017Fields(group);
            Assert.Equal(["media-vm", "old-vm"], expected.Keys.Order());
            Assert.Equal(expected.Keys.Order(), got.Keys.Order());
            foreach (var (host, group) in expected)
            {
                foreach (var field in new[] { "keep", "remove", "reasons" })
                    Assert.True(JsonNode.DeepEquals(group[field], got[host][field]),
                        $"{app}/{host}: {field} differs\nrestic:   {group[field]?.ToJsonString()}\nlifeboat: {got[host][field]?.ToJsonString()}");
                Assert.True(group["remove"] is JsonArray { Count: > 0 }, $"{app}/{host}: the policy should remove something");
                kept.UnionWith(Ids(group["keep"]));
            }
        }

        var real = cli.RunChecked("forget", "--prune", "--max-unused", "0%");
        Assert.Contains("app plex", real.Stdout);
        Assert.Contains("app jellyfin", real.Stdout);
        Assert.Contains($"{before.Count - kept.Count} snapshots have been removed, running prune", real.Stdout);
        Assert.Equal(kept.Order(), SnapshotIds(restic).Order());
        AssertCheck(restic);
        // the data only removed snapshots used is gone: nothing is left unused
        var unused = restic.Run("check", "--check-unused");
        Assert.True(unused.ExitCode == 0, unused.Stdout + unused.Stderr);
    }

    private static List<string> SnapshotIds(Restic restic) =>
        JsonNode.Parse(restic.RunChecked("snapshots", "--json").Stdout)!.AsArray().Select(s => (string)s!["id"]!).Order().ToList();

    private static IEnumerable<string> Ids(JsonNode? list) => list is JsonArray a ? a.Select(s => (string)s!["id"]!) : [];

    /// <summary>restic prints groups in Go map order: index them by host (the only key when grouping by host).</summary>
    private static Dictionary<string, JsonObject> Groups(JsonArray groups)
    {
        var result = new Dictionary<string, JsonObject>();
        foreach (var group in groups)
        {
            var g = group!.AsObject();
            Assert.Null(g["paths"]);
            Assert.Null(g["tags"]);
            result.Add((string)g["host"]!, g);
        }
        return result;
    }
}
