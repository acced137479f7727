namespace Lifeboat.Cli.Tests;

/// <summary>restic 0.16's --human-readable for ls -l and find -l: the size column as "1.500 KiB" instead of bytes.</summary>
public sealed class HumanReadableCliTests : CliTestBase
{
    [Fact]
    public void LsAndFind_LongWithHumanReadable_ShowSizesInKiB()
    {
        WriteFile("sized.bin", new string('x', 1536));
        Cli.RunChecked("init");
        Cli.RunChecked("backup", Source);
        var file = Source + "/sized.bin";

        string LineOf(string stdout) => stdout.Split('\n').Single(l => l.EndsWith(file, StringComparison.Ordinal));
        Assert.Contains(" 1.500 KiB ", LineOf(Cli.RunChecked("ls", "-l", "--human-readable", "latest", Source).Stdout));
        Assert.Contains("   1536 ", LineOf(Cli.RunChecked("ls", "-l", "latest", Source).Stdout));
        Assert.Contains(" 1.500 KiB ", LineOf(Cli.RunChecked("find", "-l", "--human-readable", "sized.bin").Stdout));
        Assert.Contains("   1536 ", LineOf(Cli.RunChecked("find", "-l", "sized.bin").Stdout));
        // without --long the flag changes nothing
        Assert.Equal(Cli.RunChecked("ls", "latest", Source).Stdout, Cli.RunChecked("ls", "--human-readable", "latest", Source).Stdout);
    }
}
