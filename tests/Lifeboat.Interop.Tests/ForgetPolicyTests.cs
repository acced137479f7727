using System.Text.Json.Nodes;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.TestSupport;
using static Lifeboat.Interop.Tests.Interop;

namespace Lifeboat.Interop.Tests;

/// <summary>
/// forget's policy against restic's own decisions: a repository of a few hundred snapshots at generated times
/// (several hosts, paths, tags and zone offsets), and for each policy `restic forget --dry-run --json` and
/// `lifeboat forget --dry-run --json` must keep and remove the same snapshots, per group, for the same reasons.
/// </summary>
public sealed class ForgetPolicyTests : IClassFixture<ForgetPolicyTests.SnapshotRepository>
{
    public sealed class SnapshotRepository : IDisposable
    {
        public TempDirectory Directory { get; } = new("lifeboat-forget");
        public string Path => Directory.Combine("repo");

        public SnapshotRepository()
        {
            CreateAsync().GetAwaiter().GetResult();
        }

        private async Task CreateAsync()
        {
            await using var repo = await InitAsync(Path, 2);
            // Every snapshot points at one small tree: the policy only looks at times, hosts, paths and tags.
            var (tree, _, _) = await repo.SaveTreeAsync(new Tree(), CancellationToken.None);
            await repo.FlushAsync(CancellationToken.None);
            var random = new Random(20240514);
            long time = new DateTimeOffset(2021, 3, 27, 22, 15, 0, TimeSpan.Zero).ToUnixTimeSeconds();
            int[] offsets = [0, 0, 0, 2 * 3600, -5 * 3600, 5 * 3600 + 1800];
            string[] hosts = ["alpha", "beta"];
            string[][] paths = [["/srv/a"], ["/srv/b", "/etc"]];
            for (int i = 0; i < 320; i++)
            {
                // Mostly hours to days apart, sometimes minutes (several in one hour), sometimes weeks.
                time += random.Next(10) switch
                {
                    0 => random.Next(60, 1800),
                    < 7 => random.Next(3600, 86400 * 3),
                    _ => random.Next(86400 * 3, 86400 * 20),
                };
                var tags = new List<string>();
                if (random.Next(4) == 0) tags.Add("keep");
                if (random.Next(3) == 0) tags.Add("x");
                if (random.Next(5) == 0) tags.Add("daily");
                var snapshot = new Snapshot
                {
                    Time = new GoTime(time, random.Next(1_000_000_000), offsets[random.Next(offsets.Length)]),
                    Tree = tree,
                    Paths = [.. paths[random.Next(paths.Length)]],
                    Hostname = hosts[random.Next(hosts.Length)],
                    Username = "test",
                    Tags = tags.Count > 0 ? tags : null,
                };
                await repo.SaveSnapshotAsync(snapshot, CancellationToken.None);
            }
        }

        public void Dispose() => Directory.Dispose();
    }

    private readonly SnapshotRepository _repository;

    public ForgetPolicyTests(SnapshotRepository repository) => _repository = repository;

    public static TheoryData<string> Policies => new()
    {
        "--keep-last 5",
        "--keep-hourly 30",
        "--keep-daily 20",
        "--keep-weekly 15",
        "--keep-monthly 12",
        "--keep-yearly 5",
        "--keep-daily 7 --keep-weekly 4 --keep-monthly 6 --keep-yearly 2",
        "--keep-within 1y2m3d4h",
        "--keep-within 10d --keep-last 3",
        "--keep-within-daily 30d --keep-within-weekly 3m",
        "--keep-within-hourly 3d --keep-within-monthly 1y --keep-within-yearly 2y",
        "--keep-tag keep --keep-last 2",
        "--keep-tag keep,x --keep-tag daily --keep-weekly 3 --group-by host,tags",
        "--keep-monthly 3 --group-by host --host alpha",
        "--keep-last 4 --keep-daily 3 --group-by  --tag x",
        "--keep-weekly 2 --keep-hourly 5 --path /etc --group-by paths,tags",
    };

    [Theory]
    [MemberData(nameof(Policies))]
    public void Forget_DecidesExactlyAsRestic(string policy)
    {
        var args = new List<string> { "forget", "--dry-run", "--json" };
        args.AddRange(policy.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        // "--group-by" followed by nothing means the empty grouping
        if (policy.Contains("--group-by  ")) args.Insert(args.IndexOf("--group-by") + 1, "");

        using var restic = new Restic(_repository.Path, Password);
        var expected = restic.Run(args);
        Assert.True(expected.ExitCode == 0, expected.Stderr);
        var actual = new LifeboatCli(_repository.Path, Password).Run(args);
        Assert.True(actual.ExitCode == 0, actual.Stderr);

        var want = Groups(expected.Stdout);
        var got = Groups(actual.Stdout);
        foreach (var group in got.Values) WithoutRestic017Fields(group);
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        Assert.True(want.Values.Sum(g => g["remove"] is JsonArray a ? a.Count : 0) > 0 || policy.Contains("within 1y"), "the policy should remove something");
        foreach (var (key, group) in want)
        {
            Assert.True(JsonNode.DeepEquals(group["keep"], got[key]["keep"]), $"{key}: keep differs\nrestic:   {Ids(group["keep"])}\nlifeboat: {Ids(got[key]["keep"])}\n{group["keep"]?.ToJsonString()}\n{got[key]["keep"]?.ToJsonString()}");
            Assert.True(JsonNode.DeepEquals(group["remove"], got[key]["remove"]), $"{key}: remove differs\nrestic:   {Ids(group["remove"])}\nlifeboat: {Ids(got[key]["remove"])}");
            Assert.True(JsonNode.DeepEquals(group["reasons"], got[key]["reasons"]), $"{key}: reasons differ\nrestic:   {group["reasons"]?.ToJsonString()}\nlifeboat: {got[key]["reasons"]?.ToJsonString()}");
        }
    }

    private static string Ids(JsonNode? list) => list is JsonArray a ? string.Join(" ", a.Select(s => (string)s!["short_id"]!)) : "null";

    /// <summary>
    /// Lifeboat writes each reason's snapshot with its id and short_id, and every snapshot with the program_version and
    /// summary it holds, as restic 0.17 does (0.14, the oracle here, does not): the ids are checked against the kept
    /// snapshot's, then all of these are taken out so the rest compares with 0.14's.
    /// </summary>
    internal static void WithoutRestic017Fields(JsonObject group)
    {
        foreach (var list in new[] { "keep", "remove" })
            if (group[list] is JsonArray snapshots)
                foreach (var snapshot in snapshots) WithoutProgramAndSummary(snapshot!.AsObject());
        if (group["reasons"] is JsonArray all)
            foreach (var reason in all) WithoutProgramAndSummary(reason!["snapshot"]!.AsObject());
        if (group["reasons"] is not JsonArray reasons) return;
        var kept = group["keep"] is JsonArray keep ? keep.Select(k => (string)k!["id"]!).ToHashSet() : [];
        foreach (var reason in reasons)
        {
            var snapshot = reason!["snapshot"]!.AsObject();
            var id = (string)snapshot["id"]!;
            Assert.Contains(id, kept);
            Assert.Equal(id[..8], (string)snapshot["short_id"]!);
            snapshot.Remove("id");
            snapshot.Remove("short_id");
        }
    }

    private static void WithoutProgramAndSummary(JsonObject snapshot)
    {
        snapshot.Remove("program_version");
        snapshot.Remove("summary");
    }

    /// <summary>restic prints groups in Go map order: index them by their key.</summary>
    private static Dictionary<string, JsonObject> Groups(string stdout)
    {
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single();
        var result = new Dictionary<string, JsonObject>();
        foreach (var group in JsonNode.Parse(line)!.AsArray())
        {
            var g = group!.AsObject();
            result.Add($"{g["host"]}|{g["paths"]?.ToJsonString()}|{g["tags"]?.ToJsonString()}", g);
        }
        return result;
    }
}
