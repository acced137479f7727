using System.Security.Cryptography;
using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>The real ./lifeboat binary and the real restic against remote repositories: helpers, a source tree, a temp folder.</summary>
public abstract class RemoteCliTestBase : IDisposable
{
    protected const string Password = "correct horse battery staple";
    protected readonly TempDirectory Temp = new("lifeboat-remote-e2e");

    protected string Source => Temp.Combine("src");

    /// <summary>A location of a new, empty repository (a different one on every call).</summary>
    protected abstract string NewRepository();

    /// <summary>Where the repository's pack files end up on disk (for counting them).</summary>
    protected abstract string DataDirectory(string repository);

    protected RemoteCliTestBase()
    {
        Directory.CreateDirectory(Source);
        File.WriteAllText(Temp.Combine("rclone.conf"), "");
    }

    protected IDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        // rclone children (Lifeboat's and restic's) read an empty config of the test's, never the user's.
        ["RCLONE_CONFIG"] = Temp.Combine("rclone.conf"),
    };

    protected LifeboatCli Cli(string repository)
    {
        var cli = new LifeboatCli(repository, Password);
        foreach (var (k, v) in Environment) cli.With(k, v);
        return cli;
    }

    protected ProcessResult Lifeboat(string repository, params string[] args) =>
        Cli(repository).Run(["--cache-dir", Temp.Combine("lifeboat-cache"), .. args]);

    /// <summary>Backs up the source; returns the summary of --json.</summary>
    protected JsonElement Backup(string repository, params string[] args)
    {
        var r = LifeboatChecked(repository, ["backup", "--json", .. args, Source]);
        var last = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonDocument.Parse(last).RootElement.Clone();
    }

    protected ProcessResult ResticBackup(Restic restic)
    {
        var r = restic.Run(["backup", Source], extraEnv: Environment);
        Assert.True(r.ExitCode == 0, $"restic backup exited {r.ExitCode}\n{r.Stderr}");
        return r;
    }

    protected ProcessResult LifeboatChecked(string repository, params string[] args)
    {
        var r = Lifeboat(repository, args);
        Assert.True(r.ExitCode == 0, $"lifeboat {string.Join(' ', args)} exited {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        return r;
    }

    protected ProcessResult ResticChecked(Restic restic, params string[] args)
    {
        var r = restic.Run(args, extraEnv: Environment);
        Assert.True(r.ExitCode == 0, $"restic {string.Join(' ', args)} exited {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        return r;
    }

    protected void WriteTree(int seed)
    {
        var random = new Random(seed);
        void Write(string relative, int size)
        {
            var path = Path.Combine(Source, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var data = new byte[size];
            random.NextBytes(data);
            File.WriteAllBytes(path, data);
        }
        Write("big/random.bin", 6 * 1024 * 1024 + 123);
        Write("big/other.bin", 3 * 1024 * 1024);
        for (int i = 0; i < 30; i++) Write($"small/dir{i % 4}/file{i}.dat", random.Next(0, 20_000));
        File.WriteAllText(Path.Combine(Source, "notes.txt"), "hello over the wire\n");
        File.WriteAllBytes(Path.Combine(Source, "empty"), []);
        if (!File.Exists(Path.Combine(Source, "link"))) File.CreateSymbolicLink(Path.Combine(Source, "link"), "notes.txt");
    }

    protected static void AssertOneLine(ProcessResult r)
    {
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length >= 1, "an error line is expected");
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain(Password, r.Stdout + r.Stderr);
    }

    protected int PackCount(string repository) =>
        Directory.Exists(DataDirectory(repository)) ? Directory.EnumerateFiles(DataDirectory(repository), "*", SearchOption.AllDirectories).Count() : 0;

    protected long DataBytes(string repository) =>
        Directory.Exists(DataDirectory(repository)) ? Directory.EnumerateFiles(DataDirectory(repository), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;

    protected static List<JsonElement> Snapshots(ProcessResult json) => JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().ToList();

    public virtual void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Both ways over one kind of remote: everything Lifeboat writes restic checks and restores byte-exact, and the reverse.
/// Derived classes say where the repository lives.
/// </summary>
public abstract class RemoteEndToEndTests : RemoteCliTestBase
{
    [Fact]
    public void Lifeboat_writes_and_restic_reads_and_checks()
    {
        var repo = NewRepository();
        WriteTree(1);
        LifeboatChecked(repo, "init");
        Backup(repo);
        int packs = PackCount(repo);
        Assert.True(packs > 0);
        var again = Backup(repo); // nothing changed: no file read again, no data uploaded
        Assert.Equal(0, again.GetProperty("data_blobs").GetInt32());
        Assert.Equal(0, again.GetProperty("files_new").GetInt32() + again.GetProperty("files_changed").GetInt32());
        Assert.True(PackCount(repo) <= packs + 1, "at most one pack of trees (the parent folders' times changed)");
        Assert.Equal(2, Snapshots(LifeboatChecked(repo, "snapshots", "--json")).Count);

        var restored = Temp.Combine("restored-lifeboat");
        LifeboatChecked(repo, "restore", "latest", "--target", restored);
        TreeComparer.AssertSame(Source, restored + Source);
        LifeboatChecked(repo, "check", "--read-data");

        using var restic = new Restic(repo, Password);
        ResticChecked(restic, "check", "--read-data");
        var byRestic = Temp.Combine("restored-restic");
        ResticChecked(restic, "restore", "latest", "--target", byRestic);
        TreeComparer.AssertSame(Source, byRestic + Source);

        // forget and prune remove what only old snapshots needed; restic still finds everything in order
        File.Delete(Path.Combine(Source, "big/random.bin"));
        Backup(repo);
        long before = DataBytes(repo);
        LifeboatChecked(repo, "forget", "--keep-last", "1", "--prune");
        Assert.Single(Snapshots(LifeboatChecked(repo, "snapshots", "--json")));
        Assert.True(before - DataBytes(repo) > 5 << 20, "the deleted file's 6 MiB are gone from the server");
        ResticChecked(restic, "check", "--read-data");
        var afterPrune = Temp.Combine("restored-after-prune");
        ResticChecked(restic, "restore", "latest", "--target", afterPrune);
        TreeComparer.AssertSame(Source, afterPrune + Source);
    }

    [Fact]
    public void Restic_writes_and_lifeboat_reads_checks_and_adds()
    {
        var repo = NewRepository();
        WriteTree(2);
        using var restic = new Restic(repo, Password);
        ResticChecked(restic, "init");
        ResticBackup(restic);

        LifeboatChecked(repo, "check", "--read-data");
        var restored = Temp.Combine("restored");
        LifeboatChecked(repo, "restore", "latest", "--target", restored);
        TreeComparer.AssertSame(Source, restored + Source);

        File.WriteAllText(Path.Combine(Source, "added.txt"), "from lifeboat");
        Backup(repo);
        ResticChecked(restic, "check", "--read-data");
        var byRestic = Temp.Combine("restored-restic");
        ResticChecked(restic, "restore", "latest", "--target", byRestic);
        TreeComparer.AssertSame(Source, byRestic + Source);
    }

    [Fact]
    public void Copy_to_and_from_a_local_repository()
    {
        var remote = NewRepository();
        WriteTree(3);
        LifeboatChecked(remote, "init");
        Backup(remote);
        var passwordFile = Temp.Combine("password");
        File.WriteAllText(passwordFile, Password + "\n");

        var local = Temp.Combine("local-repo");
        LifeboatChecked(local, "init");
        LifeboatChecked(local, "copy", "--from-repo", remote, "--from-password-file", passwordFile);
        using (var restic = new Restic(local, Password))
        {
            ResticChecked(restic, "check", "--read-data");
            var restored = Temp.Combine("restored-local");
            ResticChecked(restic, "restore", "latest", "--target", restored);
            TreeComparer.AssertSame(Source, restored + Source);
        }

        var back = NewRepository();
        LifeboatChecked(back, "init");
        LifeboatChecked(back, "copy", "--from-repo", local, "--from-password-file", passwordFile);
        using (var restic = new Restic(back, Password))
        {
            ResticChecked(restic, "check", "--read-data");
            var restored = Temp.Combine("restored-back");
            ResticChecked(restic, "restore", "latest", "--target", restored);
            TreeComparer.AssertSame(Source, restored + Source);
        }
    }
}

/// <summary>rest: through a real REST server (rclone serve restic on 127.0.0.1).</summary>
public sealed class RestEndToEndTests : RemoteEndToEndTests
{
    private readonly RcloneServer _server = new();

    protected override string NewRepository() => _server.RestUrl(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));

    protected override string DataDirectory(string repository) =>
        Path.Combine(_server.Directory, new Uri(repository["rest:".Length..]).AbsolutePath.Trim('/'), "data");

    public override void Dispose()
    {
        _server.Dispose();
        base.Dispose();
    }
}

/// <summary>rclone: with Lifeboat and restic each starting rclone serve restic --stdio on a local directory remote.</summary>
public sealed class RcloneEndToEndTests : RemoteEndToEndTests
{
    protected override string NewRepository() => "rclone:" + Temp.Combine("remote-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));

    protected override string DataDirectory(string repository) => Path.Combine(repository["rclone:".Length..], "data");
}
