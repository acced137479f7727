using Lifeboat.Engine.Platform;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Platform;

public sealed class FileTreesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void RemoveTakesAWholeTreeWithLinksAndLockedDirectoriesAndLeavesTheLinkedFilesElsewhere(int parallelism)
    {
        var outside = _temp.Combine("outside.txt");
        File.WriteAllText(outside, "kept");
        var trash = _temp.Combine("trash");
        Directory.CreateDirectory(trash);
        // a trash as a restore leaves it: many files, one a hard link, a moved-aside directory (0500) and a symlink out
        for (int i = 0; i < 300; i++) File.WriteAllText(Path.Combine(trash, $"{i:D6}-poster.jpg"), new string('x', i));
        Posix.Link(outside, Path.Combine(trash, "000300-outside.txt"));
        Directory.CreateDirectory(Path.Combine(trash, "000301-bundle/Contents"));
        File.WriteAllText(Path.Combine(trash, "000301-bundle/Contents/Info.xml"), "<x/>");
        Posix.Chmod(Path.Combine(trash, "000301-bundle"), 0x140 /* 0500 */);
        File.CreateSymbolicLink(Path.Combine(trash, "000302-link"), _temp.Path);

        FileTrees.Remove(trash, parallelism);

        Assert.False(Directory.Exists(trash));
        Assert.Equal("kept", File.ReadAllText(outside));
        Assert.True(Directory.Exists(_temp.Path)); // the symbolic link's target is not followed
        FileTrees.Remove(trash, parallelism); // gone already: not an error
    }

    public void Dispose() => _temp.Dispose();
}
