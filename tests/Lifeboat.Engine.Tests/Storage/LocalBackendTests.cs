using System.Security.Cryptography;
using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Storage;

/// <summary>
/// What a local repository holds on disk, beyond the contract every backend keeps (Lifeboat.Storage.Tests' conformance
/// suite): restic's layout and file modes, the older s3legacy layout, listings that skip what is not a repository file,
/// and a deleted pack that is gone even though its handle was cached for reading.
/// </summary>
public sealed class LocalBackendTests : IDisposable
{
    // On tmpfs where there is one: every save syncs the file and its directory, which costs a busy disk milliseconds.
    private readonly TempDirectory _dir = Directory.Exists("/dev/shm") ? new("lifeboat-local", "/dev/shm") : new("lifeboat-local");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    private string Root => _dir.Combine("repo");

    private static (string Name, byte[] Data) NewFile(int length = 100)
    {
        var data = RandomNumberGenerator.GetBytes(length);
        return (Convert.ToHexStringLower(SHA256.HashData(data)), data);
    }

    private async Task<LocalBackend> CreateAsync()
    {
        var backend = new LocalBackend(Root);
        await backend.CreateAsync(Ct);
        return backend;
    }

    private static async Task<List<BackendFile>> ListAsync(IBackend backend, FileType type)
    {
        var files = new List<BackendFile>();
        await foreach (var f in backend.ListAsync(type, Ct)) files.Add(f);
        return files;
    }

    [Fact]
    public async Task Create_MakesResticsLayout_PrivateToTheOwner()
    {
        using var backend = await CreateAsync();
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var folder in new[] { "", "keys", "locks", "snapshots", "index", "data", "data/00", "data/7f", "data/ff" })
            Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(Root, folder)));
        Assert.Equal(256, Directory.GetDirectories(Path.Combine(Root, "data")).Length);
        Assert.False(File.Exists(Path.Combine(Root, "config")));
        Assert.False(backend.IsS3Legacy);
    }

    [Fact]
    public async Task SavedFiles_LandWhereResticPutsThem_ReadOnly()
    {
        using var backend = await CreateAsync();
        var (pack, packData) = NewFile();
        var (snapshot, snapshotData) = NewFile();
        await backend.SaveAsync(FileType.Pack, pack, packData, Ct);
        await backend.SaveAsync(FileType.Snapshot, snapshot, snapshotData, Ct);
        await backend.SaveAsync(FileType.Config, "config", new byte[] { 1 }, Ct);

        var packPath = Path.Combine(Root, "data", pack[..2], pack);
        Assert.Equal(packData, File.ReadAllBytes(packPath));
        Assert.Equal(snapshotData, File.ReadAllBytes(Path.Combine(Root, "snapshots", snapshot)));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(packPath));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(Path.Combine(Root, "config")));
        // No temporary file is left beside them.
        Assert.Equal([pack], Directory.GetFiles(Path.Combine(Root, "data"), "*", SearchOption.AllDirectories).Select(Path.GetFileName));
        Assert.Equal([snapshot], Directory.GetFiles(Path.Combine(Root, "snapshots")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Listing_SkipsWhatIsNotARepositoryFile()
    {
        using var backend = await CreateAsync();
        var (name, data) = NewFile();
        await backend.SaveAsync(FileType.Index, name, data, Ct);
        // A leftover temporary file, a name in capitals, a note, a directory: none is an index file.
        File.WriteAllText(Path.Combine(Root, "index", "tmp-0123456789abcdef"), "x");
        File.WriteAllText(Path.Combine(Root, "index", name.ToUpperInvariant()), "x");
        File.WriteAllText(Path.Combine(Root, "index", "README"), "x");
        Directory.CreateDirectory(Path.Combine(Root, "index", new string('a', 64)));
        File.WriteAllText(Path.Combine(Root, "data", "00", "tmp-0123456789abcdef"), "x");

        Assert.Equal([new BackendFile(name, data.Length)], await ListAsync(backend, FileType.Index));
        Assert.Empty(await ListAsync(backend, FileType.Pack));
        Assert.Empty(await ListAsync(backend, FileType.Config));
    }

    [Fact]
    public async Task ADeletedPack_IsGone_ThoughItsHandleWasCachedForReading()
    {
        using var backend = await CreateAsync();
        var (name, data) = NewFile(1000);
        await backend.SaveAsync(FileType.Pack, name, data, Ct);
        var part = new byte[10];
        await backend.ReadAsync(FileType.Pack, name, 5, part, Ct);
        Assert.Equal(data.AsSpan(5, 10).ToArray(), part);

        await backend.DeleteAsync(FileType.Pack, name, Ct);
        await Assert.ThrowsAsync<BackendFileNotFoundException>(() => backend.ReadAsync(FileType.Pack, name, 5, part, Ct));
        await Assert.ThrowsAsync<BackendFileNotFoundException>(() => backend.StatAsync(FileType.Pack, name, Ct));
        Assert.Empty(await ListAsync(backend, FileType.Pack));
    }

    [Fact]
    public async Task AShortFile_IsAnErrorNamingIt()
    {
        using var backend = await CreateAsync();
        var (name, data) = NewFile(100);
        await backend.SaveAsync(FileType.Index, name, data, Ct);
        var e = await Assert.ThrowsAsync<EndOfStreamException>(() => backend.ReadAsync(FileType.Index, name, 90, new byte[20], Ct));
        Assert.StartsWith($"index {name} is shorter than expected", e.Message);
    }

    [Fact]
    public async Task ASourceFromElsewhere_IsCopiedIn_AndItsStagingFileRemoved()
    {
        using var backend = await CreateAsync();
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        var name = Convert.ToHexStringLower(SHA256.HashData(data));
        string stagedPath;
        using (var staged = StagingFile.InTempDirectory())
        {
            stagedPath = staged.Path;
            staged.Write(data);
            await backend.SaveAsync(FileType.Pack, name, staged, Ct);
        }
        Assert.False(File.Exists(stagedPath));
        Assert.Equal(data, await backend.ReadAllAsync(FileType.Pack, name, Ct));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(Path.Combine(Root, "data", name[..2], name)));
    }

    [Fact]
    public async Task S3LegacyLayout_IsDetected_AndUsedForEveryFileType()
    {
        // restic's s3legacy layout: singular folder names and packs directly in data/.
        foreach (var folder in new[] { "key", "lock", "snapshot", "index", "data" }) Directory.CreateDirectory(Path.Combine(Root, folder));
        var (pack, packData) = NewFile();
        var (key, keyData) = NewFile();
        File.WriteAllBytes(Path.Combine(Root, "data", pack), packData);
        File.WriteAllBytes(Path.Combine(Root, "key", key), keyData);

        using var backend = new LocalBackend(Root);
        Assert.True(backend.IsS3Legacy);
        Assert.Equal([new BackendFile(pack, packData.Length)], await ListAsync(backend, FileType.Pack));
        Assert.Equal(keyData, await backend.ReadAllAsync(FileType.Key, key, Ct));
        var (snapshot, snapshotData) = NewFile();
        await backend.SaveAsync(FileType.Snapshot, snapshot, snapshotData, Ct);
        Assert.Equal(snapshotData, File.ReadAllBytes(Path.Combine(Root, "snapshot", snapshot)));
        await backend.DeleteAsync(FileType.Pack, pack, Ct);
        Assert.False(File.Exists(Path.Combine(Root, "data", pack)));
    }

    [Fact]
    public async Task ALocationWithoutARepository_ListsNothing_AndFindsNothing()
    {
        using var backend = new LocalBackend(_dir.Combine("nothing-here"));
        Assert.Empty(await ListAsync(backend, FileType.Snapshot));
        Assert.Empty(await ListAsync(backend, FileType.Config));
        await Assert.ThrowsAsync<BackendFileNotFoundException>(() => backend.ReadAllAsync(FileType.Config, "config", Ct));
        await Assert.ThrowsAsync<BackendFileNotFoundException>(() => backend.ReadAsync(FileType.Pack, new string('0', 64), 0, new byte[1], Ct));
    }
}
