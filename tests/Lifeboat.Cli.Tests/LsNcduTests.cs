using System.Text.Json;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>restic 0.15's ls --ncdu: ncdu's JSON export of a snapshot, which ncdu itself reads.</summary>
public class LsNcduTests : CliTestBase
{
    [Fact]
    public void LsNcdu_WritesTheTreeWithSizes_AndNcduReadsIt()
    {
        WriteFile("a/b/f.txt", new string('f', 600));
        WriteFile("a/top.txt", "top");
        WriteFile("z.txt", "");
        File.CreateSymbolicLink(Path.Combine(Source, "a/link"), "top.txt");
        File.SetUnixFileMode(Path.Combine(Source, "a/top.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.SetUser);
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);

        var r = Cli.Run("ls", "--ncdu", "latest");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith("[1, 2, {\"time\":", r.Stdout);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(1, root[0].GetInt32());
        Assert.Equal(2, root[1].GetInt32());
        Assert.Equal(Source, root[2].GetProperty("paths")[0].GetString());
        Assert.Equal("/", root[3][0].GetProperty("name").GetString());

        // walk down to the source directory: each directory is an array whose first element is its own entry
        var dir = root[3];
        foreach (var name in Source.Trim('/').Split('/'))
            dir = Child(dir, name);
        var a = Child(dir, "a");
        var f = Entry(Child(a, "b"), "f.txt");
        Assert.Equal(600, f.GetProperty("asize").GetInt64());
        Assert.Equal(1024, f.GetProperty("dsize").GetInt64());
        Assert.False(f.GetProperty("notreg").GetBoolean());
        Assert.Equal(new FileInfo(Path.Combine(Source, "a/b/f.txt")).LastWriteTimeUtc, DateTime.UnixEpoch.AddSeconds(f.GetProperty("mtime").GetInt64()), TimeSpan.FromSeconds(1));
        Assert.Equal(0x9C0, Entry(a, "top.txt").GetProperty("mode").GetInt32()); // setuid and 0700, as inode(7) has them
        Assert.True(Entry(a, "link").GetProperty("notreg").GetBoolean());
        Assert.Equal(0, Entry(dir, "z.txt").GetProperty("dsize").GetInt64());
        Assert.Equal(["name", "asize", "dsize", "dev", "ino", "nlink", "notreg", "uid", "gid", "mode", "mtime"],
            f.EnumerateObject().Select(p => p.Name));
        Assert.NotEqual(0, f.GetProperty("ino").GetInt64());

        // ncdu reads it (it exits 0 on a parse error, but says so on stderr and stops its own export there)
        var export = Temp.Combine("export.json");
        File.WriteAllText(export, r.Stdout);
        var reexport = Temp.Combine("reexport.json");
        var ncdu = ProcessRunner.Run("ncdu", ["-f", export, "-o", reexport]);
        Assert.True(ncdu.ExitCode == 0 && ncdu.Stderr.Trim().Length == 0, ncdu.Stderr); // it ends with a bare newline on stderr
        Assert.Contains("{\"name\":\"f.txt\",\"asize\":600,\"dsize\":1024", File.ReadAllText(reexport));
        using var _ = JsonDocument.Parse(File.ReadAllText(reexport));
    }

    [Fact]
    public void LsNcdu_OfADirectory_KeepsTheDirectoriesOnTheWay()
    {
        WriteFile("a/b/f.txt", "f");
        WriteFile("a/other.txt", "o");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        using var doc = JsonDocument.Parse(Cli.RunChecked("ls", "--ncdu", "latest", Source + "/a/b").Stdout);
        var dir = doc.RootElement[3];
        foreach (var name in Source.Trim('/').Split('/'))
            dir = Child(dir, name);
        var a = Child(dir, "a");
        // /…/a is there only as the way to a/b: its other file is not listed
        Assert.Equal(2, a.GetArrayLength());
        Entry(Child(a, "b"), "f.txt");
    }

    [Fact]
    public void LsNcdu_WithJsonOrSort_IsRefusedAsResticRefusesIt()
    {
        Cli.RunChecked("init");
        foreach (var (args, message) in new[]
        {
            (new[] { "--json" }, "only either '--json' or '--ncdu' can be specified"),
            (["--sort", "size"], "--sort and --ncdu are mutually exclusive"),
            (["--reverse"], "--reverse and --ncdu are mutually exclusive"),
        })
        {
            var r = Cli.Run(["ls", "--ncdu", .. args, "latest"]);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains(message, r.Stderr);
            AssertNoStackTrace(r);
        }
    }

    /// <summary>A directory's array inside a directory's array, by name.</summary>
    private static JsonElement Child(JsonElement dir, string name) =>
        dir.EnumerateArray().Skip(1).Single(e => e.ValueKind == JsonValueKind.Array && e[0].GetProperty("name").GetString() == name);

    /// <summary>A file's entry inside a directory's array, by name.</summary>
    private static JsonElement Entry(JsonElement dir, string name) =>
        dir.EnumerateArray().Skip(1).Single(e => e.ValueKind == JsonValueKind.Object && e.GetProperty("name").GetString() == name);
}
