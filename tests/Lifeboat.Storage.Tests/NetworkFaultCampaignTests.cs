using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// The real `lifeboat` reaching a real server through <see cref="FaultyTcpProxy"/>, which drops, stalls and truncates
/// connections: backup, restore, check --read-data and forget --prune each succeed (retrying what broke) or end in one
/// clear line, never hang (--stuck-request-timeout 2s against 4 s stalls), a restore that succeeds is byte-exact, the
/// repository stays intact (restic 0.14 reads every byte straight from the server after each run) and the next run
/// without the proxy succeeds. LIFEBOAT_NETWORK_FAULT_RUNS sets the runs per server (default 8).
/// </summary>
public abstract class NetworkFaultCampaignTests : IDisposable
{
    protected const string Password = "network fault campaign password";
    protected readonly TempDirectory Temp = new("lifeboat-netfaults");
    private static readonly string[] Operations = ["backup", "restore", "check", "prune"];

    /// <summary>A new repository's location on the server, straight or through the proxy on <paramref name="port"/>.</summary>
    protected abstract (string Direct, string Proxied) NewRepository(int? port);
    protected abstract int ServerPort { get; }
    protected abstract IReadOnlyDictionary<string, string?> Environment { get; }
    protected abstract IReadOnlyList<string> CommonArgs { get; }
    /// <summary>The arguments of the run through the proxy on <paramref name="port"/>; by default <see cref="CommonArgs"/>.</summary>
    protected virtual IReadOnlyList<string> ProxiedArgs(int port) => CommonArgs;
    /// <summary>restic's arguments for the check straight to the server; by default <see cref="CommonArgs"/>.</summary>
    protected virtual IReadOnlyList<string> ResticArgs => CommonArgs;
    protected abstract void RequireServer();
    protected abstract string Name { get; }

    private string Source => Temp.Combine("src");

    [Fact]
    public void Operations_through_a_network_that_drops_stalls_and_truncates_succeed_or_fail_in_one_line()
    {
        RequireServer();
        int runs = int.TryParse(System.Environment.GetEnvironmentVariable("LIFEBOAT_NETWORK_FAULT_RUNS"), out int n) && n > 0 ? n : 8;
        int baseSeed = int.TryParse(System.Environment.GetEnvironmentVariable("LIFEBOAT_FAULT_SEED"), out int s) ? s : Random.Shared.Next(1_000_000);
        Directory.CreateDirectory(Path.Combine(Source, "new"));
        for (int i = 0; i < 20; i++) File.WriteAllBytes(Path.Combine(Source, $"small-{i}.txt"), TestData.SeededBytes(i, 300 + i * 500));
        for (int i = 0; i < 3; i++) File.WriteAllBytes(Path.Combine(Source, $"big-{i}.bin"), TestData.SeededBytes(100 + i, 1_800_000));
        var expected = Temp.Combine("expected");
        TestData.CopyTree(Source, expected);

        var fates = new Dictionary<FaultyTcpProxy.Fate, int>();
        int failed = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < runs; i++)
        {
            int seed = baseSeed + i;
            string operation = Operations[i % Operations.Length];
            using var proxy = new FaultyTcpProxy(ServerPort, seed, faultRate: 0.5);
            var (direct, proxied) = NewRepository(proxy.Port);
            var cache = Temp.Combine($"run{i}/cache");
            Checked(direct, cache, "init");
            Checked(direct, cache, "backup", Source);
            File.WriteAllBytes(Path.Combine(Source, "new", "changed.bin"), TestData.SeededBytes(seed, 700_000));
            Checked(direct, cache, "backup", Source);
            File.Delete(Path.Combine(Source, "new", "changed.bin"));
            string replay = $"{Name} run {i}, {operation}, proxy seed {seed}";

            string? target = operation == "restore" ? Temp.Combine($"run{i}/restored") : null;
            string[] args = operation switch
            {
                "backup" => ["backup", Source],
                "restore" => ["restore", "latest", "--target", target!],
                "check" => ["check", "--read-data"],
                _ => ["forget", "--keep-last", "1", "--prune"],
            };
            var faulty = Lifeboat(proxied).Run([.. ProxiedArgs(proxy.Port), "--cache-dir", cache, "--stuck-request-timeout", "2s", .. args]);
            foreach (var (fate, count) in proxy.Counts) fates[fate] = fates.GetValueOrDefault(fate) + count;
            string output = faulty.Stdout + faulty.Stderr;
            Assert.False(output.Contains("Fatal: unexpected", StringComparison.Ordinal) || output.Contains("   at ", StringComparison.Ordinal) || output.Contains("Exception", StringComparison.Ordinal),
                $"{replay}: not a clear error\n{output}");
            if (faulty.ExitCode != 0)
            {
                failed++;
                var last = faulty.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
                Assert.True(last.StartsWith("Fatal: ", StringComparison.Ordinal), $"{replay}: exit {faulty.ExitCode} without a Fatal line\n{output}");
            }
            else if (target is not null)
                TreeComparer.AssertSame(expected, target + Source, new TreeCompareOptions { IgnoreNames = new HashSet<string> { "new" } });

            // The repository is intact, read straight from the server; a lock left by a failed removal is stale to restic.
            var restic = new Restic(direct, Password, useCache: false);
            restic.Run([.. ResticArgs, "unlock"], extraEnv: new Dictionary<string, string?>(Environment));
            var check = restic.Run([.. ResticArgs, "check", "--read-data"], extraEnv: new Dictionary<string, string?>(Environment));
            Assert.True(check.ExitCode == 0, $"{replay}: restic check --read-data failed after the run (exit {faulty.ExitCode})\n{output}\n{check.Stdout}\n{check.Stderr}");

            // The next run straight to the server, with the same cache, succeeds.
            if (target is not null && Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Checked(direct, cache, args);
            if (target is not null) TreeComparer.AssertSame(expected, target + Source, new TreeCompareOptions { IgnoreNames = new HashSet<string> { "new" } });
            Directory.Delete(Temp.Combine($"run{i}"), recursive: true);
        }
        var figures = $"network faults ({Name}): {runs} runs from seed {baseSeed} in {clock.Elapsed.TotalSeconds:F0} s: {failed} ended in one line, {runs - failed} succeeded; connections: " +
            string.Join(", ", fates.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}")) + "; restic check --read-data after every run: passed";
        TestContext.Current.TestOutputHelper?.WriteLine(figures);
        if (System.Environment.GetEnvironmentVariable("LIFEBOAT_CAMPAIGN_REPORT") is { Length: > 0 } report) File.AppendAllText(report, figures + "\n");
        Assert.True(fates.Where(f => f.Key != FaultyTcpProxy.Fate.Pass).Sum(f => f.Value) > 0, "no connection was broken: the campaign tested nothing");
    }

    private LifeboatCli Lifeboat(string location)
    {
        var cli = new LifeboatCli(location, Password).With("RESTIC_PACK_SIZE", "4");
        foreach (var (name, value) in Environment) cli.With(name, value);
        return cli;
    }

    private void Checked(string location, string cache, params string[] args)
    {
        var r = Lifeboat(location).Run([.. CommonArgs, "--cache-dir", cache, .. args]);
        Assert.True(r.ExitCode == 0, $"lifeboat {string.Join(' ', args)} straight to the server exited {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
    }

    public virtual void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>rest: through the proxy to rclone serve restic.</summary>
public sealed class RestNetworkFaultCampaignTests : NetworkFaultCampaignTests
{
    private readonly RcloneServer _server = new();
    private int _next;

    protected override string Name => "rest";
    protected override int ServerPort => _server.Port;
    protected override IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>();
    protected override IReadOnlyList<string> CommonArgs => [];
    protected override void RequireServer() => Assert.SkipWhen(RcloneServer.UnavailableReason() is not null, RcloneServer.UnavailableReason() ?? "");

    protected override (string Direct, string Proxied) NewRepository(int? port)
    {
        var path = $"repo{_next++}";
        var direct = _server.RestUrl(path);
        return (direct, direct.Replace($"127.0.0.1:{_server.Port}/", $"127.0.0.1:{port}/", StringComparison.Ordinal));
    }

    public override void Dispose()
    {
        _server.Dispose();
        base.Dispose();
    }
}

/// <summary>s3: through the proxy to s3rver over HTTPS (the proxy passes TLS through).</summary>
public sealed class S3NetworkFaultCampaignTests(S3rverFixture fixture) : NetworkFaultCampaignTests, IClassFixture<S3rverFixture>
{
    protected override string Name => "s3 (s3rver)";
    protected override int ServerPort => fixture.Server.Port;
    protected override IReadOnlyDictionary<string, string?> Environment => fixture.Server.Environment;
    protected override IReadOnlyList<string> CommonArgs => ["--cacert", fixture.Server.CaCertificateFile];
    protected override void RequireServer() => fixture.Require();

    protected override (string Direct, string Proxied) NewRepository(int? port)
    {
        var bucket = S3TestSettings.NewBucket("nf");
        var direct = fixture.Server.Location(bucket);
        return (direct, direct.Replace($"127.0.0.1:{fixture.Server.Port}/", $"127.0.0.1:{port}/", StringComparison.Ordinal));
    }
}

/// <summary>
/// sftp: ssh through the proxy to a private sshd. A broken connection is a lost ssh session: what was in flight fails
/// as transient and the next try starts a new ssh (one that cannot even connect ends the run in one line).
/// </summary>
public sealed class SftpNetworkFaultCampaignTests(SshServerFixture fixture) : NetworkFaultCampaignTests, IClassFixture<SshServerFixture>
{
    private int _next;

    protected override string Name => "sftp";
    protected override int ServerPort => fixture.Server.Port;
    protected override IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>();
    protected override IReadOnlyList<string> CommonArgs => ["-o", $"sftp.args={fixture.Server.SftpArgs()}"];
    protected override IReadOnlyList<string> ProxiedArgs(int port) => ["-o", $"sftp.args={fixture.Server.SftpArgsThrough(port)}"];
    protected override IReadOnlyList<string> ResticArgs => ["-o", $"sftp.command={fixture.Server.SftpCommand()}"];
    protected override void RequireServer() => _ = fixture.Server;

    protected override (string Direct, string Proxied) NewRepository(int? port)
    {
        var location = SshServer.Location($"netfault-{Guid.NewGuid():N}-{_next++}");
        return (location, location);
    }
}
