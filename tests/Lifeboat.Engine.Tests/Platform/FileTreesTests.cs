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

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void RemoveTakesADeepLibraryWithLockedDirectoriesAtEveryDepth(int parallelism)
    {
        var library = _temp.Combine("library");
        // a Plex-like shape: few wide directories at the top, many small bundles below, some 0500 on the way
        int files = 0;
        for (int a = 0; a < 3; a++)
        for (int b = 0; b < 6; b++)
        for (int c = 0; c < 3; c++)
        {
            var bundle = Path.Combine(library, $"Metadata{a}", $"{b:x}", $"{c}.bundle", "Contents", "_combined");
            Directory.CreateDirectory(bundle);
            for (int f = 0; f < 1 + c; f++, files++) File.WriteAllText(Path.Combine(bundle, $"poster{f}.jpg"), "x");
            if (c == 1) Posix.Chmod(Path.Combine(library, $"Metadata{a}", $"{b:x}", $"{c}.bundle", "Contents"), 0x140 /* 0500 */);
        }
        Posix.Chmod(Path.Combine(library, "Metadata2"), 0x140);
        Assert.Equal(108, files);

        FileTrees.Remove(library, parallelism);

        Assert.False(Directory.Exists(library));
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    public void Dispose() => _temp.Dispose();
}
