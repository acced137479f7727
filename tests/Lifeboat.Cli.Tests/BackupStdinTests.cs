using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// `backup --stdin` and `--stdin-from-command` end to end: what restic reads back, what a failing command leaves (no
/// snapshot), and memory that stays bounded however long the stream.
/// </summary>
public sealed class BackupStdinTests : CliTestBase
{
    private static string Dump()
    {
        var sb = new StringBuilder();
        for (int i = 0; sb.Length < 3 * 1024 * 1024; i++) sb.Append("INSERT INTO t VALUES (").Append(i).Append(", 'ünïcode ✓');\n");
        return sb.ToString();
    }

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static JsonElement Summary(ProcessResult r) =>
        r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Last(e => e.GetProperty("message_type").GetString() == "summary");

    private static int SnapshotCount(Restic restic) => JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout).RootElement.GetArrayLength();

    [Fact]
    public void Stdin_IsStoredAsTheNamedFile_ThatResticDumpsAndChecks()
    {
        Cli.RunChecked("init");
        var dump = Dump();

        var r = Cli.Run(["backup", "--stdin", "--stdin-filename", "db/app.sql", "--tag", "db", "--host", "dbhost", "--json"], stdin: dump);

        Assert.True(r.ExitCode == 0, r.Stderr);
        var summary = Summary(r);
        Assert.Equal((1, Encoding.UTF8.GetByteCount(dump)),
            (summary.GetProperty("files_new").GetInt32(), summary.GetProperty("total_bytes_processed").GetInt32()));
        using var restic = new Restic(Repo, Password);
        Assert.Equal(Sha256(Encoding.UTF8.GetBytes(dump)), Sha256(restic.RunChecked("dump", "latest", "/db/app.sql").StdoutBytes));
        var check = restic.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        var snapshot = JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout).RootElement[0];
        Assert.Equal("/db/app.sql", snapshot.GetProperty("paths")[0].GetString());
        Assert.Equal("dbhost", snapshot.GetProperty("hostname").GetString());
        Assert.Equal("db", snapshot.GetProperty("tags")[0].GetString());
    }

    [Fact]
    public void Stdin_UsesNoParent_AsRestic()
    {
        Cli.RunChecked("init");
        Assert.Equal(0, Cli.Run(["backup", "--stdin"], stdin: "first").ExitCode);

        var second = Cli.Run(["backup", "--stdin"], stdin: "second");

        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.DoesNotContain("parent", second.Stdout);
        Assert.Contains("1 new", second.Stdout);
        var snapshots = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement;
        Assert.All(snapshots.EnumerateArray(), s => Assert.False(s.TryGetProperty("parent", out _)));
    }

    [Fact]
    public void StdinFromCommand_StoresItsOutput_AndPassesOnItsErrorLines()
    {
        Cli.RunChecked("init");

        var r = Cli.Run("backup", "--stdin-from-command", "--stdin-filename", "listing.txt", "--",
            "sh", "-c", "seq 1 200000; echo 'a warning' >&2");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("subprocess sh: a warning", r.Stderr);
        var expected = string.Concat(Enumerable.Range(1, 200000).Select(i => i + "\n"));
        using var restic = new Restic(Repo, Password);
        Assert.Equal(Sha256(Encoding.ASCII.GetBytes(expected)), Sha256(restic.RunChecked("dump", "latest", "/listing.txt").StdoutBytes));
    }

    [Fact]
    public void AFailingCommand_FailsTheBackupWithItsStatus_AndWritesNoSnapshot()
    {
        Cli.RunChecked("init");

        var r = Cli.Run("backup", "--stdin-from-command", "--", "sh", "-c", "seq 1 100000; echo 'connection refused' >&2; exit 3");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("subprocess sh: connection refused", r.Stderr);
        Assert.Contains("Fatal: unable to save snapshot: command sh failed: exit status 3", r.Stderr);
        AssertNoStackTrace(r);
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, SnapshotCount(restic));
        Assert.Equal(0, restic.Run("check").ExitCode);
    }

    [Fact]
    public void NoData_IsRefusedAsRestic()
    {
        Cli.RunChecked("init");

        var r = Cli.Run(["backup", "--stdin"], stdin: "");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("read /stdin: no data read", r.Stderr);
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, SnapshotCount(restic));
    }

    [Fact]
    public void ResticsStdinSnapshot_LifeboatDumpsTheSameBytes()
    {
        using var restic = new Restic(Repo, Password);
        restic.Init();
        var dump = Dump();
        var backup = restic.Run(["backup", "--stdin", "--stdin-filename", "app.sql"], stdin: dump);
        Assert.True(backup.ExitCode == 0, backup.Stderr);

        var r = Cli.RunChecked("dump", "latest", "/app.sql");

        Assert.Equal(Sha256(Encoding.UTF8.GetBytes(dump)), Sha256(r.StdoutBytes));
    }

    [Fact]
    public void BesideALifeboatYaml_AStreamBackupGoesToTheStacksRepository_AndIsNoRunOfItsBackupJob()
    {
        Cli.RunChecked("init");
        WriteFile("config.xml", "<app/>");
        var stackDir = Temp.Combine("stack");
        Directory.CreateDirectory(stackDir);
        File.WriteAllText(Path.Combine(stackDir, "password"), Password);
        File.WriteAllText(Path.Combine(stackDir, "lifeboat.yaml"), $"""
            repository: {Repo}
            password-file: password
            apps:
              app:
                paths: [{Source}]
            """);
        var state = Temp.Combine("state");
        var cli = new LifeboatCli().With("LIFEBOAT_STATE_DIR", state);

        var r = cli.Run(["backup", "--stdin", "--stdin-filename", "app.sql"], stdin: "dump", workingDirectory: stackDir);
        var notified = cli.Run(["backup", "--stdin", "--notify"], stdin: "dump", workingDirectory: stackDir);

        Assert.True(r.ExitCode == 0, r.Stderr);
        using var restic = new Restic(Repo, Password);
        var snapshot = Assert.Single(JsonDocument.Parse(restic.RunChecked("snapshots", "--json").Stdout).RootElement.EnumerateArray().ToList());
        Assert.Equal("/app.sql", Assert.Single(snapshot.GetProperty("paths").EnumerateArray().ToList()).GetString());
        Assert.False(Directory.Exists(state) && Directory.EnumerateFileSystemEntries(state).Any(), "the stream backup was recorded in the job history");
        Assert.Equal(1, notified.ExitCode);
        Assert.Contains("--notify reports the stack's backup job", notified.Stderr);
        // the app's own backup, beside it, is a run of the job and is recorded
        var stack = cli.Run(["backup"], workingDirectory: stackDir);
        Assert.True(stack.ExitCode == 0, stack.Stderr);
        Assert.True(Directory.Exists(state) && Directory.EnumerateFileSystemEntries(state).Any(), "the stack backup left no job history");
    }

    [Theory]
    [InlineData("cannot read both password and data from stdin", "--stdin")]
    [InlineData("--stdin was specified and files/dirs were listed as arguments", "--stdin", "/etc/hostname")]
    [InlineData("--stdin and --files-from cannot be used together", "--stdin", "--files-from", "/dev/null")]
    [InlineData("no command was specified as argument", "--stdin-from-command")]
    [InlineData("invalid filename specified", "--stdin", "--stdin-filename", "/")]
    public void MisusedOptions_AreRefusedBeforeAnythingIsRead(string message, params string[] options)
    {
        Cli.RunChecked("init");
        var cli = message.StartsWith("cannot read both", StringComparison.Ordinal) ? new LifeboatCli(Repo) : Cli;

        var r = cli.Run(["backup", .. options], stdin: "data");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"Fatal: {message}", r.Stderr);
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, SnapshotCount(restic));
    }

    /// <summary>
    /// A 1 GiB stream of random bytes (none deduplicates) goes through with the process's peak resident memory under
    /// 150 MB: it is chunked as it is read, never held whole. The peak is the kernel's own high-water mark (VmHWM),
    /// read until the process ends.
    /// </summary>
    [Fact]
    public async Task AGigabyteStream_StaysUnder150MegabytesOfMemory()
    {
        Cli.RunChecked("init");
        var info = new ProcessStartInfo(LifeboatCli.Binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "backup", "--stdin-from-command", "--stdin-filename", "big.bin", "--json", "--", "head", "-c", "1G", "/dev/urandom" })
            info.ArgumentList.Add(a);
        info.Environment["RESTIC_REPOSITORY"] = Repo;
        info.Environment["RESTIC_PASSWORD"] = Password;
        info.Environment["LIFEBOAT_STATE_DIR"] = Temp.Combine("state");
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        long peakKb = 0;
        var statusFile = $"/proc/{process.Id}/status";
        while (!process.HasExited)
        {
            try
            {
                foreach (var line in File.ReadLines(statusFile))
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                        peakKb = Math.Max(peakKb, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
            }
            catch (IOException) { } // it ended between the check and the read
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        var result = new ProcessResult(process.ExitCode, await stdout, await stderr);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(1L << 30, Summary(result).GetProperty("total_bytes_processed").GetInt64());
        Assert.True(peakKb > 0, "no memory reading was taken");
        Assert.True(peakKb < 150 * 1000, $"peak resident memory {peakKb / 1000} MB, over 150 MB");
        TestContext.Current.SendDiagnosticMessage($"1 GiB stream: peak RSS {peakKb / 1000} MB");
    }
}
