using System.Security.Cryptography;
using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// The real ./lifeboat binary and the real restic 0.14 against a private OpenSSH sshd, through the system's ssh with a
/// throwaway ssh_config (-o sftp.args for Lifeboat, -o sftp.command for restic, which has no sftp.args).
/// </summary>
public sealed class SftpCliTests : IClassFixture<SshServerFixture>, IDisposable
{
    private const string Password = "sftp test password 42";
    private readonly TempDirectory _temp = new("lb-sftp-cli");
    private readonly SshServerFixture fixture;

    public SftpCliTests(SshServerFixture fixture)
    {
        this.fixture = fixture;
        // Made before any backup: a cache folder appearing later would change the source's parent folder between backups.
        Directory.CreateDirectory(_temp.Combine("cache"));
    }

    private static string NewName() => "cli-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    private LifeboatCli Cli(string repository) => new(repository, Password);

    private ProcessResult Run(LifeboatCli cli, SshServer server, params string[] args) =>
        cli.Run(["-o", $"sftp.args={server.SftpArgs()}", "--cache-dir", _temp.Combine("cache"), .. args]);

    private ProcessResult RunChecked(LifeboatCli cli, SshServer server, params string[] args)
    {
        var r = Run(cli, server, args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"lifeboat {string.Join(' ', args)} exited {r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}\nsshd: {server.Log}");
        return r;
    }

    private static Restic ResticOn(SshServer server, string location) => new(location, Password);

    private static ProcessResult ResticChecked(Restic restic, SshServer server, params string[] args)
    {
        var r = restic.Run(["-o", $"sftp.command={server.SftpCommand()}", .. args]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"restic {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr.Trim()}");
        return r;
    }

    private static JsonElement Summary(ProcessResult backup) =>
        backup.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Last(e => e.GetProperty("message_type").GetString() == "summary");

    private static void AssertOneLine(ProcessResult r)
    {
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, "want one line, got:\n" + r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain(Password, r.Stderr + r.Stdout);
    }

    [Fact]
    public void Lifeboat_backs_up_restores_checks_and_prunes_over_sftp_and_restic_reads_every_step()
    {
        var server = fixture.Server;
        var location = SshServer.Location(NewName());
        var source = _temp.Combine("src");
        EdgeCaseTree.Create(source, includeLargeFiles: false);
        var cli = Cli(location);

        RunChecked(cli, server, "init");
        var first = Summary(RunChecked(cli, server, "backup", "--json", source));
        Assert.True(first.GetProperty("files_new").GetInt32() > 10);
        var second = Summary(RunChecked(cli, server, "backup", "--json", source));
        Assert.Equal(0, second.GetProperty("files_new").GetInt32());
        Assert.Equal(0, second.GetProperty("files_changed").GetInt32());
        // No data; at most new trees for the source's parent folders (in /tmp, whose time others change all along).
        Assert.Equal(0, second.GetProperty("data_blobs").GetInt32());
        Assert.True(second.GetProperty("tree_blobs").GetInt32() < source.Split('/', StringSplitOptions.RemoveEmptyEntries).Length);

        var restored = _temp.Combine("restored");
        RunChecked(cli, server, "restore", "latest", "--target", restored);
        TreeComparer.AssertSame(source, restored + source);
        RunChecked(cli, server, "check", "--read-data");

        using var restic = ResticOn(server, location);
        ResticChecked(restic, server, "check", "--read-data");
        var byRestic = _temp.Combine("restored-by-restic");
        ResticChecked(restic, server, "restore", "latest", "--target", byRestic);
        TreeComparer.AssertSame(source, byRestic + source);

        RunChecked(cli, server, "forget", "--keep-last", "1", "--prune");
        var snapshots = JsonDocument.Parse(RunChecked(cli, server, "snapshots", "--json").Stdout).RootElement;
        Assert.Equal(1, snapshots.GetArrayLength());
        ResticChecked(restic, server, "check", "--read-data");
        // No temp files are left anywhere in the repository.
        var repoPath = Path.Combine(server.HomePath, RelativePathOf(location));
        Assert.Empty(Directory.GetFiles(repoPath, "*-restic-temp-*", SearchOption.AllDirectories));
    }

    private static string RelativePathOf(string location) => location[(location.LastIndexOf(':') + 1)..];

    [Fact]
    public void Lifeboat_reads_and_extends_a_repository_restic_wrote_over_sftp()
    {
        var server = fixture.Server;
        var location = SshServer.Location(NewName());
        var source = _temp.Combine("src");
        EdgeCaseTree.Create(source, seed: 7, includeLargeFiles: false);
        using var restic = ResticOn(server, location);
        ResticChecked(restic, server, "init");
        ResticChecked(restic, server, "backup", source);

        var cli = Cli(location);
        RunChecked(cli, server, "check", "--read-data");
        var restored = _temp.Combine("restored");
        RunChecked(cli, server, "restore", "latest", "--target", restored);
        TreeComparer.AssertSame(source, restored + source);

        File.WriteAllBytes(Path.Combine(source, "added-by-lifeboat.bin"), RandomNumberGenerator.GetBytes(300_000));
        RunChecked(cli, server, "backup", source);
        ResticChecked(restic, server, "check", "--read-data");
        var byRestic = _temp.Combine("restored-by-restic");
        ResticChecked(restic, server, "restore", "latest", "--target", byRestic);
        TreeComparer.AssertSame(source, byRestic + source);
    }

    [Fact]
    public void Copy_moves_snapshots_from_local_to_sftp_and_back()
    {
        var server = fixture.Server;
        var source = _temp.Combine("src");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "a.bin"), RandomNumberGenerator.GetBytes(2_000_000));
        File.WriteAllText(Path.Combine(source, "b.txt"), "copy me");
        var local = _temp.Combine("local");
        var localCli = Cli(local);
        RunChecked(localCli, server, "init");
        RunChecked(localCli, server, "backup", source);

        var remote = SshServer.Location(NewName());
        var remoteCli = Cli(remote).With("RESTIC_FROM_PASSWORD", Password);
        RunChecked(remoteCli, server, "init");
        RunChecked(remoteCli, server, "copy", "--from-repo", local);
        var restored = _temp.Combine("restored");
        RunChecked(remoteCli, server, "restore", "latest", "--target", restored);
        TreeComparer.AssertSame(source, restored + source);

        var back = _temp.Combine("back");
        var backCli = Cli(back).With("RESTIC_FROM_PASSWORD", Password);
        RunChecked(backCli, server, "init");
        RunChecked(backCli, server, "copy", "--from-repo", remote);
        var restoredBack = _temp.Combine("restored-back");
        RunChecked(backCli, server, "restore", "latest", "--target", restoredBack);
        TreeComparer.AssertSame(source, restoredBack + source);
        using var restic = new Restic(back, Password);
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
    }

    [Fact]
    public void An_unknown_host_key_ends_in_one_line_and_writes_nothing()
    {
        var server = fixture.Server;
        var name = NewName();
        var r = Cli(SshServer.Location(name)).Run(["-o", $"sftp.args={server.SftpArgs(server.UnknownHostConfigPath)}", "init"]);
        AssertOneLine(r);
        Assert.Equal($"Fatal: sftp: ssh to {SshServer.HostAlias} failed: Host key verification failed.", r.Stderr.Trim());
        Assert.False(Directory.Exists(Path.Combine(server.HomePath, name)));
    }

    [Fact]
    public void A_wrong_key_ends_in_one_line()
    {
        var server = fixture.Server;
        var r = Cli(SshServer.Location(NewName())).Run(["-o", $"sftp.args={server.SftpArgs(server.WrongKeyConfigPath)}", "snapshots"]);
        AssertOneLine(r);
        Assert.StartsWith($"Fatal: sftp: ssh to {SshServer.HostAlias} failed: ", r.Stderr.Trim());
        Assert.Contains("Permission denied (publickey)", r.Stderr);
    }

    [Fact]
    public async Task A_server_killed_mid_backup_and_restarted_leaves_a_sound_repository_and_the_backup_completes()
    {
        using var server = new SshServer();
        var name = NewName();
        var location = SshServer.Location(name);
        var source = _temp.Combine("big");
        Directory.CreateDirectory(source);
        for (int i = 0; i < 6; i++) File.WriteAllBytes(Path.Combine(source, $"f{i}.bin"), RandomNumberGenerator.GetBytes(8 * 1024 * 1024));
        var cli = Cli(location);
        RunChecked(cli, server, "init");

        // 4 MiB/s: 48 MiB take long enough to pull the server away half way.
        var backup = Task.Run(() => Run(cli, server, "backup", "--limit-upload", "4096", source), TestContext.Current.CancellationToken);
        var data = Path.Combine(server.HomePath, name, "data");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Any(f => !f.Contains("-restic-temp-")) && DateTime.UtcNow < deadline)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(backup.IsCompleted, "the backup finished before the server could be killed");
        server.Crash();
        await Task.Delay(3000, TestContext.Current.CancellationToken);
        server.Start();
        var result = await backup;
        TestContext.Current.TestOutputHelper?.WriteLine($"backup exit {result.ExitCode}; stderr:\n{result.Stderr}");
        if (result.ExitCode != 0)
        {
            // Allowed: one clear line; then the next run succeeds.
            var last = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
            Assert.StartsWith("Fatal: ", last);
            Assert.DoesNotContain("   at ", result.Stderr);
            RunChecked(cli, server, "backup", source);
        }
        else
        {
            Assert.Contains("returned error, retrying after", result.Stderr);
        }

        using var restic = ResticOn(server, location);
        ResticChecked(restic, server, "check", "--read-data");
        var restored = _temp.Combine("restored");
        RunChecked(cli, server, "restore", "latest", "--target", restored);
        TreeComparer.AssertSame(source, restored + source);
    }

    [Fact]
    public async Task Ctrl_C_reaching_ssh_too_still_removes_the_lock()
    {
        // A terminal's Ctrl-C goes to the whole foreground process group: lifeboat and its ssh. The clean-up after it
        // (removing the lock) starts ssh again.
        var server = fixture.Server;
        var name = NewName();
        var location = SshServer.Location(name);
        var source = _temp.Combine("big");
        Directory.CreateDirectory(source);
        for (int i = 0; i < 4; i++) File.WriteAllBytes(Path.Combine(source, $"f{i}.bin"), RandomNumberGenerator.GetBytes(8 * 1024 * 1024));
        var cli = Cli(location);
        RunChecked(cli, server, "init");

        // SIGINT back to its default first: a test run started in the background by a shell without job control
        // inherits SIGINT ignored, and an ignored signal stays ignored across exec (as for any program, restic too).
        var info = new System.Diagnostics.ProcessStartInfo("env")
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--default-signal=INT", LifeboatCli.Binary, "-o", $"sftp.args={server.SftpArgs()}", "--cache-dir", _temp.Combine("cache"), "-r", location, "backup", "--limit-upload", "2048", source })
            info.ArgumentList.Add(arg);
        info.Environment["RESTIC_PASSWORD"] = Password;
        info.Environment.Remove("RESTIC_REPOSITORY");
        using var process = System.Diagnostics.Process.Start(info)!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var locks = Path.Combine(server.HomePath, name, "locks");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Directory.EnumerateFiles(Path.Combine(server.HomePath, name, "data"), "*", SearchOption.AllDirectories).Any() && DateTime.UtcNow < deadline)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.NotEmpty(Directory.GetFiles(locks));
        Assert.False(process.HasExited);

        foreach (var pid in ChildrenOf(process.Id).Append(process.Id)) _ = Kill(pid, 2); // SIGINT
        Assert.True(process.WaitForExit(60_000), "lifeboat did not stop after SIGINT");
        var err = await stderr;
        await stdout;
        Assert.Equal(130, process.ExitCode);
        Assert.DoesNotContain("   at ", err);
        Assert.True(Directory.GetFiles(locks).Length == 0, "the lock is still there; stderr:\n" + err);
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1]) == parent) yield return pid;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    public void Dispose() => _temp.Dispose();
}
