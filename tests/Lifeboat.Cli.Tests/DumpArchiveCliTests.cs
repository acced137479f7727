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
