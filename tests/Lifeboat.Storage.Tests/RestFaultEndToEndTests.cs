using System.Diagnostics;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>The real binary against a REST server that crashes, refuses the user, or keeps everything (append-only).</summary>
public sealed class RestFaultEndToEndTests : RemoteCliTestBase
{
    private RcloneServer? _server;

    private RcloneServer Server => _server ??= new RcloneServer();

    protected override string NewRepository() => Server.RestUrl("repo-" + Guid.NewGuid().ToString("N")[..8]);

    protected override string DataDirectory(string repository) =>
        Path.Combine(Server.Directory, new Uri(repository["rest:".Length..]).AbsolutePath.Trim('/'), "data");

    [Fact]
    public async Task A_server_killed_mid_backup_and_restarted_leaves_a_repository_restic_checks()
    {
        var repo = NewRepository();
        LifeboatChecked(repo, "init");
        var random = new Random(7);
        for (int i = 0; i < 12; i++)
        {
            var data = new byte[4 * 1024 * 1024];
            random.NextBytes(data);
            File.WriteAllBytes(Path.Combine(Source, $"file{i}.bin"), data);
        }

        // Small packs so that uploads are under way when the server dies.
        var backup = Task.Run(() => Lifeboat(repo, "backup", "--pack-size", "4", Source));
        var watch = Stopwatch.StartNew();
        while (PackCount(repo) < 2 && !backup.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.False(backup.IsCompleted, "the backup was still running when the server died");
        Server.Kill();
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Server.Start();
        var first = await backup;
        TestContext.Current.TestOutputHelper?.WriteLine($"backup during the crash exited {first.ExitCode}:\n{first.Stderr}");

        if (first.ExitCode != 0)
        {
            // Failing is allowed, but in one clear line, and the next run must succeed.
            AssertOneLine(first);
            Backup(repo);
        }
        else
        {
            Assert.Contains("retrying", first.Stderr);
        }
        using var restic = new Restic(repo, Password);
        ResticChecked(restic, "check", "--read-data");
        var restored = Temp.Combine("restored");
        ResticChecked(restic, "restore", "latest", "--target", restored);
        TreeComparer.AssertSame(Source, restored + Source);
    }

    [Fact]
    public void Wrong_credentials_fail_in_one_line_as_restic_fails()
    {
        _server = new RcloneServer(new RcloneServerOptions { User = "alice", Pass = "right-pass" });
        var good = Server.RestUrl("repo", "alice", "right-pass");
        LifeboatChecked(good, "init");
        var bad = Server.RestUrl("repo", "alice", "wrong-pass");

        var r = Lifeboat(bad, "snapshots");
        Assert.NotEqual(0, r.ExitCode);
        AssertOneLine(r);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("401", r.Stderr);
        Assert.DoesNotContain("wrong-pass", r.Stderr + r.Stdout);
        Assert.DoesNotContain("right-pass", r.Stderr + r.Stdout);

        using var restic = new Restic(bad, Password);
        var byRestic = restic.Run(["snapshots"], extraEnv: Environment);
        Assert.NotEqual(0, byRestic.ExitCode);
        Assert.Equal(byRestic.ExitCode, r.ExitCode);
    }

    [Fact]
    public void Append_only_server_takes_backups_and_refuses_forget_cleanly()
    {
        _server = new RcloneServer(new RcloneServerOptions { AppendOnly = true });
        var repo = NewRepository();
        WriteTree(4);
        LifeboatChecked(repo, "init");
        Backup(repo);
        File.WriteAllText(Path.Combine(Source, "second.txt"), "more");
        Backup(repo);
        var locks = Path.Combine(Path.GetDirectoryName(DataDirectory(repo))!, "locks");
        Assert.Empty(Directory.Exists(locks) ? Directory.EnumerateFiles(locks) : []);

        var forget = Lifeboat(repo, "forget", "--keep-last", "1", "--prune");
        Assert.NotEqual(0, forget.ExitCode);
        AssertOneLine(forget);
        Assert.Contains("append-only", forget.Stderr);

        // Nothing half-done: both snapshots are there, restic finds the repository whole, and backups go on.
        Assert.Equal(2, Snapshots(LifeboatChecked(repo, "snapshots", "--json")).Count);
        using var restic = new Restic(repo, Password);
        ResticChecked(restic, "check", "--read-data");
        Backup(repo);
        Assert.Empty(Directory.Exists(locks) ? Directory.EnumerateFiles(locks) : []);
    }

    public override void Dispose()
    {
        _server?.Dispose();
        base.Dispose();
    }
}
