using System.Security.Cryptography;
using System.Text.Json;
using Lifeboat.Engine.Storage;
using Lifeboat.Engine.Storage.S3;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// The real ./lifeboat binary and the real restic on one s3: repository over HTTPS (a self-signed server, trusted with
/// --cacert), both directions. Each test uses buckets of its own.
/// </summary>
public abstract class S3CliTests : IDisposable
{
    protected const string Password = "s3 test password, not a secret";
    protected readonly TempDirectory Temp = new("lifeboat-s3cli");

    protected abstract string Location(string bucket);
    protected abstract Dictionary<string, string?> Environment { get; }
    protected abstract string CaCertificate { get; }
    protected abstract void RequireServer();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected string CacheDir => Temp.Combine("cache");

    /// <summary>The cache and home folders exist before the first backup: filling them must not change the source's parent folder.</summary>
    protected S3CliTests()
    {
        Directory.CreateDirectory(CacheDir);
        Directory.CreateDirectory(Temp.Combine("home"));
    }

    protected ProcessResult Lifeboat(string location, params string[] args) => Lifeboat(location, Environment, args);

    protected ProcessResult Lifeboat(string location, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        LifeboatIn(null, location, environment, args);

    protected ProcessResult LifeboatIn(string? workingDirectory, string location, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var cli = new LifeboatCli(location, Password);
        foreach (var (name, value) in environment) cli.With(name, value);
        cli.With("HOME", Temp.Combine("home"));
        return cli.Run(["--cacert", CaCertificate, "--cache-dir", CacheDir, .. args], workingDirectory: workingDirectory);
    }

    protected ProcessResult LifeboatChecked(string location, params string[] args) => LifeboatCheckedIn(null, location, args);

    protected ProcessResult LifeboatCheckedIn(string? workingDirectory, string location, params string[] args)
    {
        var r = LifeboatIn(workingDirectory, location, Environment, args);
        Assert.True(r.ExitCode == 0, $"lifeboat {string.Join(' ', args)} exited {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        AssertClean(r);
        return r;
    }

    protected Restic Restic(string location) => new(location, Password);

    protected ProcessResult ResticChecked(Restic restic, params string[] args)
    {
        var r = restic.Run(["--cacert", CaCertificate, .. args], extraEnv: Environment);
        Assert.True(r.ExitCode == 0, $"restic {string.Join(' ', args)} exited {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        return r;
    }

    protected S3Backend Backend(string location) =>
        S3Backend.Open(location, S3TestSettings.For(Environment, CaCertificate));

    protected static async Task<int> CountAsync(IBackend backend, FileType type)
    {
        int n = 0;
        await foreach (var _ in backend.ListAsync(type, Ct)) n++;
        return n;
    }

    protected async Task<int> CountAllAsync(string location)
    {
        using var backend = Backend(location);
        int n = 0;
        foreach (var type in new[] { FileType.Config, FileType.Key, FileType.Lock, FileType.Snapshot, FileType.Index, FileType.Pack })
            n += await CountAsync(backend, type);
        return n;
    }

    protected static void AssertClean(ProcessResult r)
    {
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain(Password, r.Stdout + r.Stderr);
    }

    /// <summary>A failure a user caused: one "Fatal:" line naming the problem, no trace, no secret.</summary>
    protected static string AssertOneLineFailure(ProcessResult r, params string[] secrets)
    {
        Assert.True(r.ExitCode != 0, $"expected a failure\n{r.Stdout}\n{r.Stderr}");
        AssertClean(r);
        foreach (var secret in secrets) Assert.DoesNotContain(secret, r.Stdout + r.Stderr);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("Fatal: ", line);
        return line;
    }

    protected static int SnapshotCount(ProcessResult snapshotsJson) => JsonDocument.Parse(snapshotsJson.Stdout).RootElement.GetArrayLength();

    [Fact]
    public async Task Lifeboat_writes_and_restic_reads_checks_and_restores()
    {
        RequireServer();
        var source = Temp.Combine("src");
        EdgeCaseTree.Create(source);
        var bucket = S3TestSettings.NewBucket();
        var location = Location(bucket);

        // init makes the bucket, as restic does
        LifeboatChecked(location, "init");
        LifeboatChecked(location, "backup", source);
        int packs;
        using (var backend = Backend(location)) packs = await CountAsync(backend, FileType.Pack);
        Assert.True(packs > 1, $"expected several packs, got {packs}");

        // A second backup of the same tree uploads no data: at most one small pack of trees (the folders above the source,
        // /tmp, change all the time, and reading files moves the atime that restic's nodes record).
        var second = LifeboatChecked(location, "backup", source);
        Assert.Matches(@"Files:\s+0 new,\s+0 changed", second.Stdout);
        var diff = Diff(location);
        Assert.Matches(@"Data Blobs:\s+0 new", diff);
        using (var backend = Backend(location))
            Assert.True(await CountAsync(backend, FileType.Pack) <= packs + 1, $"the unchanged backup added data packs:\n{second.Stdout}\n{diff}");

        var restored = Temp.Combine("restored");
        LifeboatChecked(location, "restore", "latest", "--target", restored);
        TreeComparer.AssertSame(source, restored + source);
        LifeboatChecked(location, "check", "--read-data");

        using var restic = Restic(location);
        ResticChecked(restic, "check", "--read-data");
        Assert.Equal(2, SnapshotCount(ResticChecked(restic, "snapshots", "--json")));
        var byRestic = Temp.Combine("restored-by-restic");
        ResticChecked(restic, "restore", "latest", "--target", byRestic);
        TreeComparer.AssertSame(source, byRestic + source);

        LifeboatChecked(location, "forget", "--keep-last", "1", "--prune");
        Assert.Equal(1, SnapshotCount(ResticChecked(restic, "snapshots", "--json")));
        ResticChecked(restic, "check", "--read-data");
    }

    [Fact]
    public void Restic_writes_and_lifeboat_reads_checks_restores_and_adds_to_it()
    {
        RequireServer();
        var source = Temp.Combine("src");
        EdgeCaseTree.Create(source, seed: 2, includeLargeFiles: false);
        var location = Location(S3TestSettings.NewBucket());
        using var restic = Restic(location);
        ResticChecked(restic, "init");
        ResticChecked(restic, "backup", source);

        LifeboatChecked(location, "check", "--read-data");
        var restored = Temp.Combine("restored");
        LifeboatChecked(location, "restore", "latest", "--target", restored);
        TreeComparer.AssertSame(source, restored + source);

        File.WriteAllBytes(Path.Combine(source, "added-by-lifeboat.bin"), RandomNumberGenerator.GetBytes(300_000));
        LifeboatChecked(location, "backup", source);
        ResticChecked(restic, "check", "--read-data");
        var byRestic = Temp.Combine("restored-by-restic");
        ResticChecked(restic, "restore", "latest", "--target", byRestic);
        TreeComparer.AssertSame(source, byRestic + source);
    }

    [Fact]
    public void Copy_moves_snapshots_between_s3_and_a_local_repository_both_ways()
    {
        RequireServer();
        var source = Temp.Combine("src");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "a.bin"), RandomNumberGenerator.GetBytes(2_000_000));
        File.WriteAllText(Path.Combine(source, "b.txt"), "bravo");
        var s3 = Location(S3TestSettings.NewBucket());
        var local = Temp.Combine("local-repo");
        LifeboatChecked(s3, "init");
        LifeboatChecked(s3, "backup", source);

        // s3 -> local
        LifeboatChecked(local, "init");
        LifeboatChecked(local, "copy", "--from-repo", s3, "--from-password-file", PasswordFile());
        using (var localRestic = new Restic(local, Password))
        {
            ResticChecked(localRestic, "check", "--read-data");
            var restored = Temp.Combine("from-local");
            ResticChecked(localRestic, "restore", "latest", "--target", restored);
            TreeComparer.AssertSame(source, restored + source);
        }

        // local -> another s3 bucket
        var s3Again = Location(S3TestSettings.NewBucket());
        LifeboatChecked(s3Again, "init");
        LifeboatChecked(s3Again, "copy", "--from-repo", local, "--from-password-file", PasswordFile());
        using var restic = Restic(s3Again);
        ResticChecked(restic, "check", "--read-data");
        var back = Temp.Combine("from-s3-again");
        ResticChecked(restic, "restore", "latest", "--target", back);
        TreeComparer.AssertSame(source, back + source);
    }

    private string Diff(string location)
    {
        using var restic = Restic(location);
        var ids = JsonDocument.Parse(ResticChecked(restic, "snapshots", "--json").Stdout).RootElement.EnumerateArray().Select(s => s.GetProperty("short_id").GetString()!).ToArray();
        return ResticChecked(restic, ["diff", .. ids]).Stdout;
    }

    private string PasswordFile()
    {
        var path = Temp.Combine("password");
        File.WriteAllText(path, Password + "\n");
        return path;
    }

    [Fact]
    public async Task Backup_to_a_missing_bucket_is_one_line_and_creates_nothing()
    {
        RequireServer();
        var bucket = S3TestSettings.NewBucket();
        var source = Temp.Combine("src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "x"), "x");
        var line = AssertOneLineFailure(Lifeboat(Location(bucket), "backup", source));
        Assert.Contains($"bucket {bucket} does not exist", line);
        Assert.Contains("run init", line);
        using var backend = Backend(Location(bucket));
        var e = await Assert.ThrowsAnyAsync<BackendException>(() => backend.ReadAllAsync(FileType.Config, "config", Ct));
        Assert.Contains("does not exist", e.Message);
    }

    /// <summary>Four hosts backing up into one bucket at once, their locks shared, while a prune waits for them (issue 16).</summary>
    [Fact]
    public async Task Four_concurrent_writers_and_a_waiting_prune_lose_nothing()
    {
        RequireServer();
        var location = Location(S3TestSettings.NewBucket());
        var scenario = new ManyWritersScenario(Temp,
            () =>
            {
                var cli = new LifeboatCli(location, Password);
                foreach (var (name, value) in Environment) cli.With(name, value);
                return cli.With("HOME", Temp.Combine("home"));
            },
            ["--cacert", CaCertificate, "--cache-dir", CacheDir],
            () => Restic(location), ["--cacert", CaCertificate], Environment);
        var outcome = await scenario.RunAsync(Ct);
        Assert.Equal(12, outcome.Backups);
        Assert.True(outcome.PruneOverlappedBackups, "the prune was asked for only after every backup had ended: nothing was concurrent");
        TestContext.Current.TestOutputHelper?.WriteLine($"{outcome.Backups} concurrent backups and a prune: {outcome.Snapshots} snapshots checked and restored in {outcome.Elapsed.TotalSeconds:F1} s; the prune waited {outcome.PruneWaited.TotalSeconds:F1} s");
    }

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class S3rverCliTests(S3rverFixture fixture) : S3CliTests, IClassFixture<S3rverFixture>
{
    protected override string Location(string bucket) => fixture.Server.Location(bucket);
    protected override Dictionary<string, string?> Environment => fixture.Server.Environment;
    protected override string CaCertificate => fixture.Server.CaCertificateFile;
    protected override void RequireServer() => fixture.Require();

    [Fact]
    public async Task A_server_killed_mid_backup_and_restarted_costs_at_most_one_run()
    {
        fixture.Require();
        using var server = await S3rverServer.StartAsync(Ct);
        var bucket = S3TestSettings.NewBucket();
        var location = server.Location(bucket);
        var source = Temp.Combine("src");
        Directory.CreateDirectory(source);
        for (int i = 0; i < 4; i++) File.WriteAllBytes(Path.Combine(source, $"big{i}.bin"), RandomNumberGenerator.GetBytes(12 * 1024 * 1024));
        var cli = new LifeboatCli(location, Password);
        foreach (var (name, value) in server.Environment) cli.With(name, value);
        string[] common = ["--cacert", server.CaCertificateFile, "--cache-dir", CacheDir];
        var init = cli.Run([.. common, "init"]);
        Assert.True(init.ExitCode == 0, init.Stderr);

        // Slow the upload so that the server dies while packs are on their way.
        var backup = Task.Run(() => cli.Run([.. common, "--limit-upload", "6144", "backup", source]), Ct);
        // The first pack on s3rver's disk: the backup is uploading (later packs follow while the server is down, or after).
        var packs = Path.Combine(server.DataDirectory, bucket, "data");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!(Directory.Exists(packs) && Directory.EnumerateFiles(packs, "*", SearchOption.AllDirectories).Any()))
        {
            Assert.False(backup.IsCompleted, "the backup ended before any pack upload was seen");
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(2), "no pack upload started within 2 minutes");
            await Task.Delay(50, Ct);
        }
        server.Kill();
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        await server.Restart(Ct);
        var during = await backup;
        TestContext.Current.SendDiagnosticMessage($"backup during the outage exited {during.ExitCode}; {during.Stderr.Split('\n').Count(l => l.Contains("retrying"))} retry lines");
        AssertClean(during);
        // Either it retried through the outage (or the outage fell between two requests), or it failed in one line.
        if (during.ExitCode != 0)
            Assert.Single(during.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("Fatal:", StringComparison.Ordinal));
        else
            Assert.All(during.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Contains("retrying", l));

        var after = cli.Run([.. common, "backup", source]);
        Assert.True(after.ExitCode == 0, $"the next backup failed:\n{after.Stderr}");
        using var restic = new Restic(location, Password);
        var check = restic.Run(["--cacert", server.CaCertificateFile, "check", "--read-data"], extraEnv: server.Environment);
        Assert.True(check.ExitCode == 0, $"restic check failed after the interrupted backup (it exited {during.ExitCode}):\n{check.Stdout}\n{check.Stderr}");
        var restored = Temp.Combine("restored");
        var restore = restic.Run(["--cacert", server.CaCertificateFile, "restore", "latest", "--target", restored], extraEnv: server.Environment);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        TreeComparer.AssertSame(source, restored + source);
    }

    [Fact]
    public void An_unknown_access_key_is_one_line()
    {
        fixture.Require();
        var env = fixture.Server.Environment;
        env["AWS_ACCESS_KEY_ID"] = "NOBODY";
        var line = AssertOneLineFailure(Lifeboat(Location(S3TestSettings.NewBucket()), env, "init"));
        Assert.Contains("AWS_ACCESS_KEY_ID", line);
    }

    [Fact]
    public void Without_cacert_the_self_signed_server_is_refused_in_one_line()
    {
        fixture.Require();
        var cli = new LifeboatCli(Location(S3TestSettings.NewBucket()), Password);
        foreach (var (name, value) in Environment) cli.With(name, value);
        cli.With("RESTIC_CACERT", null);
        var line = AssertOneLineFailure(cli.Run("--cache-dir", CacheDir, "init"));
        Assert.Contains("--cacert", line);
    }
}

[Collection("Ceph")]
public sealed class CephCliTests(CephFixture fixture) : S3CliTests
{
    protected override string Location(string bucket) => fixture.Require().Location(bucket);
    protected override Dictionary<string, string?> Environment => fixture.Require().Environment;
    protected override string CaCertificate => fixture.Require().CaCertificateFile;
    protected override void RequireServer() => fixture.Require();

    [Fact]
    public void Credentials_from_a_profile_in_the_shared_credentials_file_work()
    {
        var rgw = fixture.Require();
        Directory.CreateDirectory(Temp.Combine("home/.aws"));
        File.WriteAllText(Temp.Combine("home/.aws/credentials"),
            $"[default]\naws_access_key_id = NOBODY\naws_secret_access_key = nothing\n\n[ceph]\naws_access_key_id = {rgw.AccessKey}\naws_secret_access_key = {rgw.SecretKey}\n");
        var env = rgw.Environment;
        env["AWS_ACCESS_KEY_ID"] = null;
        env["AWS_SECRET_ACCESS_KEY"] = null;
        env["AWS_PROFILE"] = "ceph";
        var location = Location(S3TestSettings.NewBucket());
        var init = Lifeboat(location, env, "init");
        Assert.True(init.ExitCode == 0, init.Stderr);
        var source = Temp.Combine("src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "x"), "x");
        var backup = Lifeboat(location, env, "backup", source);
        Assert.True(backup.ExitCode == 0, backup.Stderr);
        Assert.DoesNotContain(rgw.SecretKey, init.Stdout + init.Stderr + backup.Stdout + backup.Stderr);
        using var restic = Restic(location);
        Assert.Equal(1, SnapshotCount(ResticChecked(restic, "snapshots", "--json")));
    }

    [Fact]
    public async Task A_wrong_secret_key_is_one_line_and_writes_nothing()
    {
        var rgw = fixture.Require();
        var env = rgw.Environment;
        env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret-key-1234";

        // init: the bucket is not made
        var bucket = S3TestSettings.NewBucket();
        var line = AssertOneLineFailure(Lifeboat(Location(bucket), env, "init"), "wrong-secret-key-1234", rgw.SecretKey);
        Assert.Contains("SignatureDoesNotMatch", line);
        using (var backend = Backend(Location(bucket)))
            Assert.Contains("does not exist", (await Assert.ThrowsAnyAsync<BackendException>(() => backend.ReadAllAsync(FileType.Config, "config", Ct))).Message);

        // backup to a repository that exists: nothing is added
        var location = Location(S3TestSettings.NewBucket());
        LifeboatChecked(location, "init");
        int before = await CountAllAsync(location);
        var source = Temp.Combine("src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "x"), "x");
        var backup = Lifeboat(location, env, "backup", source);
        Assert.Equal(1, backup.ExitCode);
        Assert.Contains("AWS_SECRET_ACCESS_KEY", AssertOneLineFailure(backup, "wrong-secret-key-1234", rgw.SecretKey));
        Assert.Equal(before, await CountAllAsync(location));
    }
}
