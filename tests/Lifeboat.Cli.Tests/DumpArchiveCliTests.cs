using System.IO.Compression;
using Lifeboat.TestSupport;

namespace Lifeboat.Cli.Tests;

/// <summary>dump as restic 0.17: --archive zip (deflated members) and --target FILE.</summary>
public class DumpArchiveCliTests : CliTestBase
{
    [Fact]
    public void ZipArchive_ToATargetFile_HoldsTheDirectoryDeflated()
    {
        WriteFile("docs/readme.txt", new string('r', 10_000));
        WriteFile("docs/sub/note.txt", "note");
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var zipPath = Temp.Combine("docs.zip");

        var r = Cli.RunChecked("dump", "--archive", "zip", "--target", zipPath, "latest", Source + "/docs");

        Assert.Equal("", r.Stdout);
        using var zip = ZipFile.OpenRead(zipPath);
        var readme = zip.GetEntry("docs/readme.txt")!;
        Assert.Equal(10_000, readme.Length);
        Assert.True(readme.CompressedLength < 1_000, $"compressed to {readme.CompressedLength} bytes");
        using (var reader = new StreamReader(zip.GetEntry("docs/sub/note.txt")!.Open())) Assert.Equal("note", reader.ReadToEnd());

        var file = Temp.Combine("note.txt");
        Cli.RunChecked("dump", "--target", file, "latest", Source + "/docs/sub/note.txt");
        Assert.Equal("note", File.ReadAllText(file));

        Assert.Contains("unknown archive format \"rar\"", Cli.Run("dump", "--archive", "rar", "latest", Source).Stderr);
    }
}

/// <summary>ls as restic 0.17-0.18: --sort and --reverse, inode and message_type in the JSON nodes.</summary>
public class LsSortCliTests : CliTestBase
{
    [Fact]
    public void SortBySizeAndExtension_Reverse_AndJsonNodesCarryTheirInode()
    {
        WriteFile("big.txt", new string('b', 300));
        WriteFile("small.log", "s");
        WriteFile("middle.bin", new string('m', 20));
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);

        string[] Files(params string[] args) =>
            [.. Cli.RunChecked(["ls", "latest", .. args]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => l.StartsWith(Source + "/", StringComparison.Ordinal)).Select(Path.GetFileName)!];

        Assert.Equal(["big.txt", "middle.bin", "small.log"], Files());
        Assert.Equal(["small.log", "middle.bin", "big.txt"], Files("--sort", "size").Where(f => f!.Contains('.')).ToArray());
        Assert.Equal(["big.txt", "middle.bin", "small.log"], Files("--sort", "size", "--reverse").Where(f => f!.Contains('.')).ToArray());
        Assert.Equal(["middle.bin", "small.log", "big.txt"], Files("--sort", "extension").Where(f => f!.Contains('.')).ToArray());
        Assert.Contains("invalid sort mode \"colour\"", Cli.Run("ls", "latest", "--sort", "colour").Stderr);

        var node = Cli.RunChecked("ls", "latest", "--json").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Single(e => e.TryGetProperty("name", out var n) && n.GetString() == "big.txt");
        Assert.Equal((long)Lifeboat.Engine.Platform.Posix.LStat(Path.Combine(Source, "big.txt")).Inode, node.GetProperty("inode").GetInt64());
        Assert.Equal("node", node.GetProperty("message_type").GetString());
    }
}
