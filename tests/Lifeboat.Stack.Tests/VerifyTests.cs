using System.Text.Json;
using Lifeboat.Engine;
using Lifeboat.Engine.Platform;
using Lifeboat.Stack.Verification;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

/// <summary>`lifeboat verify` through the real binary on a generated stack: real repository, real SQLite, real damage.</summary>
public sealed class VerifyTests : IDisposable
{
    private const int SmallFiles = 100;
    private readonly TempDirectory _temp = new();
    private string ConfigPath => _temp.Combine("etc/lifeboat.yaml");
    private string Staging => _temp.Combine("staging");
    private string State => _temp.Combine("state");
    private string RepoPath => _temp.Combine("backup/repo");
    private string Media => _temp.Combine("mnt/media-app");
    private string Configs => _temp.Combine("mnt/configs");
    private string Legacy => _temp.Combine("mnt/legacy");
    private string BigFile => Path.Combine(Configs, "big.bin");

    // every run keeps its history and scratch space inside the test's directory, never in the real home or /var/tmp
    private LifeboatCli Cli => new LifeboatCli().With("LIFEBOAT_CONFIG", ConfigPath).With("LIFEBOAT_STATE_DIR", State).With("LIFEBOAT_STAGING_DIR", Staging);

    public VerifyTests()
    {
        Write("mnt/media-app/Preferences.xml", "<Preferences token=\"x\"/>");
        Write("mnt/media-app/metadata/a/info.json", "{\"a\": 1}");
        Posix.Symlink("Preferences.xml", Path.Combine(Media, "prefs-link"));
        Sqlite(Path.Combine(Media, "data/library.db"), "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 500) INSERT INTO t(v) SELECT hex(randomblob(200)) FROM s;");
        for (int i = 0; i < SmallFiles; i++) Write($"mnt/configs/app{i % 7}/c{i}.conf", $"setting {i} = {new string('x', i)}");
        Directory.CreateDirectory(Configs);
        File.WriteAllBytes(BigFile, TestData.SeededBytes(seed: 7, 4 << 20));
        Directory.CreateDirectory(Legacy);
        Directory.CreateDirectory(Staging);
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, $"""
            repository: {RepoPath}
            password-file: password
            host: media-vm
            apps:
              media:
                paths: [{Media}]
                consistency: sqlite
              configs:
                paths: [{Configs}]
              legacy:
                paths: [{Legacy}]
            """);
        Cli.RunChecked("init");
    }

    private void Write(string relative, string content)
    {
        var path = _temp.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static void Sqlite(string database, string sql)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        var r = ProcessRunner.Run("sqlite3", [database, sql]);
        Assert.True(r.Succeeded, r.Stderr);
    }

    /// <summary>A name with the byte 0xff between two ASCII parts, as the engine carries it (a lone surrogate).</summary>
    private static string NotUtf8(string before, string after) =>
        FsNames.FromBytes([.. System.Text.Encoding.ASCII.GetBytes(before), 0xff, .. System.Text.Encoding.ASCII.GetBytes(after)]);

    private RestoreTestLog Log()
    {
        using var config = JsonDocument.Parse(Cli.RunChecked("cat", "config").Stdout);
        return new RestoreTestLog(config.RootElement.GetProperty("id").GetString()!, State);
    }

    /// <summary>The scratch directory is gone, whatever the outcome.</summary>
    private void AssertScratchRemoved() => Assert.Empty(Directory.EnumerateFileSystemEntries(Staging));

    private static void AssertOneLineError(ProcessResult r)
    {
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
    }

    [Fact]
    public void ASoundRepositoryPassesAndTheResultIsRecorded()
    {
        Cli.RunChecked("backup", "media", "configs");
        var r = Cli.RunChecked("verify", "media", "configs");
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // media: 4 files (Preferences.xml, info.json, library.db; the symlink is an item, not a file), the database not compared live
        Assert.Matches(@"^media: passed, snapshot [0-9a-f]{8} of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, 3 files \(\d+\.\d{3} KiB\) restored and verified, 2 also matched the live files, 1 database intact, \d+\.\d s$", lines[0]);
        Assert.Matches($@"^configs: passed, snapshot [0-9a-f]{{8}} of .*, {SmallFiles + 1} files \(4\.\d{{3}} MiB\) restored and verified, {SmallFiles + 1} also matched the live files, \d+\.\d s$", lines[1]);
        Assert.Contains($"recorded in {State}/lifeboat.db", r.Stdout);
        AssertScratchRemoved();

        var log = Log();
        var media = log.Latest("media");
        Assert.NotNull(media);
        Assert.True(media.Passed);
        Assert.Equal((3L, 2L, 1L, 100.0, "media-vm"), (media.Files, media.FilesComparedLive, media.Databases, media.SamplePercent, media.Host));
        Assert.Empty(media.Problems);
        var snapshots = JsonDocument.Parse(Cli.RunChecked("snapshots", "media", "--json").Stdout);
        Assert.Equal(snapshots.RootElement[0].GetProperty("snapshots")[0].GetProperty("id").GetString(), media.SnapshotId);
        var configs = log.Latest("configs")!;
        Assert.Equal((4L << 20) + Directory.EnumerateFiles(Configs, "*.conf", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length), configs.Bytes);
        Assert.Equal(2, log.ReadAll().Count);
    }

    [Fact]
    public void AFlippedByteInADataPackFailsNamingTheFile()
    {
        Cli.RunChecked("backup", "configs");
        // the largest pack holds the big file's data: its middle is inside one of the big file's blobs
        var pack = Directory.EnumerateFiles(Path.Combine(RepoPath, "data"), "*", SearchOption.AllDirectories).MaxBy(f => new FileInfo(f).Length)!;
        File.SetUnixFileMode(pack, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using (var stream = new FileStream(pack, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = stream.Length / 2;
            int b = stream.ReadByte();
            stream.Position = stream.Length / 2;
            stream.WriteByte((byte)(b ^ 0x5A));
        }

        var r = Cli.Run("verify", "configs");
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("configs: FAILED: 1 problem in snapshot ", lines[0]);
        Assert.StartsWith($"  {BigFile}: cannot be restored: pack {Path.GetFileName(pack)} is damaged", lines[1]);
        AssertScratchRemoved();
        var record = Log().Latest("configs")!;
        Assert.False(record.Passed);
        Assert.Equal(1, record.ProblemCount);
        Assert.StartsWith(BigFile + ": ", Assert.Single(record.Problems));
    }

    [Fact]
    public void ACorruptDatabaseInTheSnapshotFailsNamingIt()
    {
        // consistency none backs the file up as it is: a SQLite header over garbage pages
        var database = Path.Combine(Legacy, "app.db");
        Sqlite(database, "PRAGMA page_size=4096; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t(v); WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300) INSERT INTO t(v) SELECT hex(randomblob(100)) FROM s;");
        using (var stream = new FileStream(database, FileMode.Open, FileAccess.Write))
        {
            stream.Position = 3 * 4096;
            stream.Write(TestData.SeededBytes(seed: 3, 2 * 4096));
        }
        Write("mnt/legacy/notes.txt", "fine");
        Cli.RunChecked("backup", "legacy");

        var r = Cli.Run("verify", "legacy");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("legacy: FAILED: 1 problem", r.Stdout);
        Assert.Contains($"  {database}: SQLite integrity_check failed: ", r.Stdout);
        Assert.DoesNotContain("notes.txt", r.Stdout);
        AssertScratchRemoved();
        Assert.Contains(database, Assert.Single(Log().Latest("legacy")!.Problems));
    }

    [Fact]
    public void AChangedLiveFileIsFineButOneChangedWithoutItsSizeOrMtimeIsReported()
    {
        Cli.RunChecked("backup", "configs");
        var changed = Path.Combine(Configs, "app1/c1.conf");
        File.WriteAllText(changed, "changed since the snapshot, as files do");
        var r = Cli.RunChecked("verify", "configs");
        Assert.Contains($"{SmallFiles + 1} files (", r.Stdout);
        Assert.Contains($", {SmallFiles} also matched the live files", r.Stdout);

        // same size, and the mtime put back to the nanosecond: only the content tells
        var tampered = Path.Combine(Configs, "app2/c2.conf");
        var before = Posix.LStat(tampered);
        var content = File.ReadAllText(tampered);
        File.WriteAllText(tampered, content.ToUpperInvariant());
        Posix.SetTimes(tampered, before.AccessTime, before.ModTime);
        Assert.Equal(before.ModTime, Posix.LStat(tampered).ModTime);

        var failed = Cli.Run("verify", "configs");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("configs: FAILED: 1 problem", failed.Stdout);
        Assert.Contains($"  {tampered}: differs from the live file, which has the snapshot's size and mtime", failed.Stdout);
        Assert.DoesNotContain(changed, failed.Stdout);
        AssertScratchRemoved();
        Assert.Equal([true, false], Log().ReadAll().Select(x => x.Passed));
    }

    [Fact]
    public void ASampleRestoresAboutThatShareOfTheFiles()
    {
        Cli.RunChecked("backup", "configs");
        foreach (var sample in new[] { "10%", "10" })
        {
            var r = Cli.RunChecked("verify", "configs", "--sample", sample, "--json");
            var record = Assert.Single(JsonDocument.Parse(r.Stdout).RootElement.EnumerateArray().ToList());
            Assert.True(record.GetProperty("passed").GetBoolean());
            Assert.Equal(10, record.GetProperty("sample_percent").GetDouble());
            Assert.Equal(10, record.GetProperty("files").GetInt64()); // of 101
            Assert.Equal("configs", record.GetProperty("app").GetString());
        }
        var tiny = Cli.RunChecked("verify", "configs", "--sample", "0.1%");
        Assert.Contains("a 0.1% sample of 1 file (", tiny.Stdout);
        Assert.Equal(3, Log().ReadAll().Count);
        AssertScratchRemoved();

        var zero = Cli.Run("verify", "--sample", "0%");
        Assert.Equal(1, zero.ExitCode);
        Assert.Contains("--sample 0% is not a share of the files", zero.Stderr);
        AssertOneLineError(zero);
    }

    [Fact]
    public void AnAppWithoutASnapshotFailsAndUserErrorsEndInOneLine()
    {
        Cli.RunChecked("backup", "configs");
        var r = Cli.Run("verify");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("configs: passed", r.Stdout);
        Assert.Contains("media: FAILED: no snapshot to test; run lifeboat backup media", r.Stdout);
        Assert.Contains("legacy: FAILED: no snapshot to test; run lifeboat backup legacy", r.Stdout);
        Assert.Equal(3, Log().ReadAll().Count);

        var unknown = Cli.Run("verify", "plexx");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("there is no app \"plexx\"", unknown.Stderr);
        AssertOneLineError(unknown);

        File.WriteAllText(_temp.Combine("etc/password"), "not the repository password"); // (not "wrong password": restic's message says that)
        var wrong = Cli.Run("verify", "configs");
        Assert.Equal(12, wrong.ExitCode);
        AssertOneLineError(wrong);

        File.WriteAllText(ConfigPath, File.ReadAllText(ConfigPath).Replace(RepoPath, _temp.Combine("backup/nothing-here")));
        var missing = Cli.Run("verify", "configs");
        Assert.Equal(10, missing.ExitCode);
        AssertOneLineError(missing);

        var noConfig = new LifeboatCli().With("LIFEBOAT_STATE_DIR", State).Run(["verify"], workingDirectory: _temp.Combine("mnt"));
        Assert.Equal(1, noConfig.ExitCode);
        Assert.Contains("verify needs a lifeboat.yaml", noConfig.Stderr);
        AssertOneLineError(noConfig);
        AssertScratchRemoved();
    }

    [Fact]
    public void NamesThatAreNotUtf8AreTestedTooAndReportedPrintably()
    {
        // a database and a file whose names hold the byte 0xff: SQLite and JSON both need UTF-8
        var database = Path.Combine(Legacy, NotUtf8("db", ".sqlite"));
        Sqlite(Path.Combine(Legacy, "plain.db"), "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
        Posix.Rename(Path.Combine(Legacy, "plain.db"), database);
        var odd = Path.Combine(Legacy, NotUtf8("odd", ".conf"));
        using (var handle = Posix.OpenWrite(odd, 0x1A4)) RandomAccess.Write(handle, "odd content"u8, 0);
        Cli.RunChecked("backup", "legacy");
        Assert.Contains("2 files (", Cli.RunChecked("verify", "legacy").Stdout);
        Assert.Contains("1 database intact", Cli.RunChecked("verify", "legacy").Stdout);

        var before = Posix.LStat(odd);
        using (var handle = Posix.OpenWrite(odd, 0x1A4, truncate: false)) RandomAccess.Write(handle, "ODD"u8, 0);
        Posix.SetTimes(odd, before.AccessTime, before.ModTime);
        var r = Cli.Run("verify", "legacy", "--json");
        Assert.Equal(1, r.ExitCode);
        var record = Assert.Single(JsonDocument.Parse(r.Stdout).RootElement.EnumerateArray().ToList());
        Assert.StartsWith(Path.Combine(Legacy, "odd\uFFFD.conf: differs from the live file"), record.GetProperty("problems")[0].GetString());
        AssertScratchRemoved();
    }

    [Fact]
    public void AScratchFileSystemWithoutRoomIsOneLineBeforeAnythingIsRestored()
    {
        Cli.RunChecked("backup", "configs");
        var small = _temp.Combine("small");
        Directory.CreateDirectory(small);
        if (!ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", small]).Succeeded) Assert.Skip("cannot mount a tmpfs here");
        try
        {
            var r = Cli.With("LIFEBOAT_STAGING_DIR", small).Run("verify", "configs");
            Assert.Equal(1, r.ExitCode);
            Assert.Contains($"app configs needs 4.", r.Stderr);
            Assert.Contains($"of scratch space for its restore test and {small} has", r.Stderr);
            AssertOneLineError(r);
            Assert.Empty(Directory.EnumerateFileSystemEntries(small));
        }
        finally
        {
            ProcessRunner.Run("umount", [small]);
        }

        // room for the bytes but not for the files: the restore itself runs out of space, and says so in one line
        Assert.True(ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", "size=64m,nr_inodes=40", "tmpfs", small]).Succeeded);
        try
        {
            var r = Cli.With("LIFEBOAT_STAGING_DIR", small).Run("verify", "configs");
            Assert.Equal(1, r.ExitCode);
            Assert.Contains($"the scratch directory in {small} ran out of space while restoring app configs", r.Stderr);
            AssertOneLineError(r);
            Assert.Empty(Directory.EnumerateFileSystemEntries(small));
            // the backup above recorded its run in the state directory; no restore test may be recorded
            Assert.Empty(Log().ReadAll());
        }
        finally
        {
            ProcessRunner.Run("umount", [small]);
        }
    }

    public void Dispose() => _temp.Dispose();
}
