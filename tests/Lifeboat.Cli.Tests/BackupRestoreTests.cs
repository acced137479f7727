using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

public class BackupRestoreTests : CliTestBase
{
    [Fact]
    public void BackupThenRestoreGivesBackTheSameTree()
    {
        WriteFile("config/app.xml", "<Config><Port>8989</Port></Config>");
        WriteFile("data/notes.txt", new string('x', 100_000));
        Cli.RunChecked("init");
        var backup = Cli.RunChecked("backup", Source, "--json", "--tag", "nightly,test", "--host", "media-vm");
        var summary = backup.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).Last();
        Assert.Equal("summary", summary.GetProperty("message_type").GetString());
        Assert.Equal(2, summary.GetProperty("files_new").GetInt32());
        var snapshotId = summary.GetProperty("snapshot_id").GetString()!;

        var list = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement;
        var sn = Assert.Single(list.EnumerateArray());
        Assert.Equal(snapshotId, sn.GetProperty("id").GetString());
        Assert.Equal("media-vm", sn.GetProperty("hostname").GetString());
        Assert.Equal(["nightly", "test"], sn.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(Source, sn.GetProperty("paths")[0].GetString());

        var target = Temp.Combine("restored");
        Cli.RunChecked("restore", "latest", "--target", target);
        TreeComparer.AssertSame(Source, target + Source);

        // stock restic reads what lifeboat wrote
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
    }

    [Fact]
    public void SecondBackupSkipsUnchangedFilesAndRestoresEitherVersion()
    {
        WriteFile("a.txt", "first version");
        WriteFile("b.txt", "unchanged");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var first = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement[0].GetProperty("short_id").GetString()!;
        File.WriteAllText(Path.Combine(Source, "a.txt"), "second version, longer");
        var json = Cli.RunChecked("backup", Source, "--json").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        var summary = JsonDocument.Parse(json).RootElement;
        Assert.Equal(1, summary.GetProperty("files_changed").GetInt32());
        Assert.Equal(1, summary.GetProperty("files_unmodified").GetInt32());

        var old = Temp.Combine("old");
        Cli.RunChecked("restore", $"{first}:{Source.TrimStart('/')}", "--target", old);
        Assert.Equal("first version", File.ReadAllText(Path.Combine(old, "a.txt")));
        Assert.Equal("unchanged", File.ReadAllText(Path.Combine(old, "b.txt")));
    }

    [Fact]
    public void RestoreIncludeAndExcludeSelectFiles()
    {
        WriteFile("keep/one.txt", "1");
        WriteFile("keep/two.log", "2");
        WriteFile("drop/three.txt", "3");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var inc = Temp.Combine("inc");
        Cli.RunChecked("restore", "latest", "--target", inc, "--include", "keep");
        Assert.True(File.Exists(inc + Source + "/keep/one.txt"));
        Assert.False(Directory.Exists(inc + Source + "/drop"));
        var exc = Temp.Combine("exc");
        Cli.RunChecked("restore", "latest", "--target", exc, "--exclude", "*.log");
        Assert.True(File.Exists(exc + Source + "/drop/three.txt"));
        Assert.False(File.Exists(exc + Source + "/keep/two.log"));
    }

    [Fact]
    public void ExcludeOptionsKeepFilesOutOfTheSnapshot()
    {
        WriteFile("app/config.xml", "c");
        WriteFile("app/cache/blob.bin", "cache");
        WriteFile("app/Logs/today.LOG", "log");
        WriteFile("app/tmp/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n");
        WriteFile("app/tmp/junk", "junk");
        WriteFile("app/skipme/.nobackup", "");
        WriteFile("app/skipme/data", "d");
        WriteFile("app/secret.key", "k");
        File.WriteAllText(Temp.Combine("excludes.txt"), "# comment\n\n*.key\n");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source, "--exclude", "cache", "--iexclude", "*.log", "--exclude-caches",
            "--exclude-if-present", ".nobackup", "--exclude-file", Temp.Combine("excludes.txt"));
        var listed = Cli.RunChecked("ls", "latest").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        Assert.Contains(Source + "/app/config.xml", listed);
        Assert.DoesNotContain(Source + "/app/cache", listed);
        Assert.DoesNotContain(Source + "/app/Logs/today.LOG", listed);
        Assert.Contains(Source + "/app/tmp/CACHEDIR.TAG", listed);
        Assert.DoesNotContain(Source + "/app/tmp/junk", listed);
        Assert.Contains(Source + "/app/skipme/.nobackup", listed);
        Assert.DoesNotContain(Source + "/app/skipme/data", listed);
        Assert.DoesNotContain(Source + "/app/secret.key", listed);
        var sn = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement[0];
        Assert.Contains("*.key", sn.GetProperty("excludes").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void DryRunWritesNothing()
    {
        WriteFile("a.txt", "a");
        Cli.RunChecked("init");
        var before = Directory.GetFiles(Repo, "*", SearchOption.AllDirectories).Length;
        var r = Cli.RunChecked("backup", Source, "--dry-run");
        Assert.Contains("Would add", r.Stdout);
        Assert.Equal(before, Directory.GetFiles(Repo, "*", SearchOption.AllDirectories).Length);
        Assert.Equal("[]", Cli.RunChecked("snapshots", "--json").Stdout.Trim());
    }

    [Fact]
    public void TimeOptionSetsTheSnapshotTime()
    {
        WriteFile("a.txt", "a");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source, "--time", "2021-03-04 05:06:07");
        var time = JsonDocument.Parse(Cli.RunChecked("snapshots", "--json").Stdout).RootElement[0].GetProperty("time").GetString()!;
        Assert.StartsWith("2021-03-04T05:06:07", time);
    }

    [Fact]
    public void DumpWritesFileContentAndDirectoriesAsTar()
    {
        WriteFile("dir/file.txt", "hello dump");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var content = Cli.RunChecked("dump", "latest", Source + "/dir/file.txt");
        Assert.Equal("hello dump", content.Stdout);
        var tarFile = Temp.Combine("out.tar");
        var tar = Cli.RunChecked("dump", "latest", Source + "/dir");
        File.WriteAllBytes(tarFile, tar.StdoutBytes);
        var listing = ProcessRunner.Run("tar", ["-tf", tarFile]);
        Assert.Contains("dir/file.txt", listing.Stdout);
    }

    [Fact]
    public void DumpStreamsAFileOfManyBlobsIntoTheTarIntact()
    {
        // 24 MiB of random bytes: several chunks (blobs), each streamed into the archive in turn
        var big = new byte[24 << 20];
        new Random(7).NextBytes(big);
        Directory.CreateDirectory(System.IO.Path.Combine(Source, "db"));
        File.WriteAllBytes(System.IO.Path.Combine(Source, "db/library.db"), big);
        WriteFile("db/empty", "");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var tarFile = Temp.Combine("db.tar");
        File.WriteAllBytes(tarFile, Cli.RunChecked("dump", "latest", Source + "/db").StdoutBytes);
        var extracted = Temp.Combine("extracted");
        Directory.CreateDirectory(extracted);
        Assert.Equal(0, ProcessRunner.Run("tar", ["-xf", tarFile, "-C", extracted]).ExitCode);
        Assert.True(big.AsSpan().SequenceEqual(File.ReadAllBytes(System.IO.Path.Combine(extracted, "db/library.db"))));
        Assert.Empty(File.ReadAllBytes(System.IO.Path.Combine(extracted, "db/empty")));
    }

    [Fact]
    public void LsJsonListsNodesWithRestic0x14Shape()
    {
        WriteFile("a.txt", "a");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var lines = Cli.RunChecked("ls", "latest", "--json").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("snapshot", lines[0].GetProperty("struct_type").GetString());
        var file = lines.Single(l => l.TryGetProperty("path", out var p) && p.GetString() == Source + "/a.txt");
        Assert.Equal("file", file.GetProperty("type").GetString());
        Assert.Equal(1, file.GetProperty("size").GetInt32());
        Assert.Equal("node", file.GetProperty("struct_type").GetString());
    }

    [Fact]
    public void CatAndListShowRepositoryObjects()
    {
        WriteFile("a.txt", "a");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var config = JsonDocument.Parse(Cli.RunChecked("cat", "config").Stdout).RootElement;
        Assert.Equal(2, config.GetProperty("version").GetInt32());
        var snapshots = Cli.RunChecked("list", "snapshots").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var id = Assert.Single(snapshots);
        var sn = JsonDocument.Parse(Cli.RunChecked("cat", "snapshot", id).Stdout).RootElement;
        Assert.Equal(Source, sn.GetProperty("paths")[0].GetString());
        Assert.NotEmpty(Cli.RunChecked("list", "blobs").Stdout);
        Assert.NotEmpty(Cli.RunChecked("list", "packs").Stdout);
        Assert.Single(Cli.RunChecked("list", "keys").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void VersionOneRepositoryIsReadableByRestic()
    {
        WriteFile("a.txt", new string('a', 5000));
        Cli.RunChecked("init", "--repository-version", "1");
        Cli.RunChecked("backup", Source);
        using var restic = new Restic(Repo, Password);
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
        var config = JsonDocument.Parse(restic.RunChecked("cat", "config").Stdout).RootElement;
        Assert.Equal(1, config.GetProperty("version").GetInt32());
    }

    [Fact]
    public void DemoRunsTheMainJobEndToEnd()
    {
        var r = new LifeboatCli().Run("demo", "--dir", Temp.Combine("demo"));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("content identical to before the edit", r.Stdout);
        Assert.Contains("verify\n  plex: passed", r.Stdout);
        // one warning a demo cannot avoid: its repository sits beside its data
        Assert.Contains("doctor: 13 checks, 12 passed, 1 warning: warnings only", r.Stdout);
        Assert.Contains("[warn] placement: the repository is on the same file system as plex's data", r.Stdout);
        // stock restic reads what the demo wrote, with the password the demo's init generated
        using var restic = new Restic(Temp.Combine("demo/repository"), File.ReadAllText(Temp.Combine("demo/password")).Trim());
        Assert.Equal(0, restic.Run("check", "--read-data").ExitCode);
    }
}
