using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Tests.Storage;

/// <summary>Where each file of a repository lives in restic's two layouts, which names are repository files, and how messages name them.</summary>
public class BackendPathsTests
{
    private const string Name = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData(FileType.Config, false, "config")]
    [InlineData(FileType.Key, false, "keys/" + Name)]
    [InlineData(FileType.Lock, false, "locks/" + Name)]
    [InlineData(FileType.Snapshot, false, "snapshots/" + Name)]
    [InlineData(FileType.Index, false, "index/" + Name)]
    [InlineData(FileType.Pack, false, "data/01/" + Name)]
    [InlineData(FileType.Config, true, "config")]
    [InlineData(FileType.Key, true, "key/" + Name)]
    [InlineData(FileType.Lock, true, "lock/" + Name)]
    [InlineData(FileType.Snapshot, true, "snapshot/" + Name)]
    [InlineData(FileType.Index, true, "index/" + Name)]
    [InlineData(FileType.Pack, true, "data/" + Name)]
    public void RelativePath_IsResticsLayout(FileType type, bool s3Legacy, string path) =>
        Assert.Equal(path, BackendPaths.RelativePath(type, type == FileType.Config ? "config" : Name, s3Legacy));

    [Theory]
    [InlineData(Name, true)]
    [InlineData("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", false)]
    [InlineData("g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("tmp-0123456789abcdef", false)]
    [InlineData("", false)]
    public void OnlySixtyFourLowerCaseHexDigits_AreAName(string name, bool valid) =>
        Assert.Equal(valid, BackendPaths.IsValidName(name));

    [Fact]
    public void Messages_NameFilesAsResticDoes()
    {
        Assert.Equal($"pack {Name}", BackendPaths.Describe(FileType.Pack, Name));
        Assert.Equal("config", BackendPaths.Describe(FileType.Config, "config"));
        Assert.Equal("<data/01234567>", BackendExtensions.Handle(FileType.Pack, Name));
        Assert.Equal("<snapshots/01234567>", BackendExtensions.Handle(FileType.Snapshot, Name));
        Assert.Equal("<config>", BackendExtensions.Handle(FileType.Config, "config"));
        Assert.Equal($"pack {Name} not found in repository /srv/repo", new BackendFileNotFoundException(FileType.Pack, Name, "/srv/repo").Message);
    }
}
