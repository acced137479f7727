using Lifeboat.Engine.Storage;
using Lifeboat.TestSupport;

namespace Lifeboat.Storage.Tests;

public sealed class LocalBackendConformanceTests : BackendConformance, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override async Task<IBackend> CreateBackendAsync()
    {
        var backend = new LocalBackend(_dir.Combine("repo"));
        await backend.CreateAsync(TestContext.Current.CancellationToken);
        return backend;
    }

    [Fact]
    public async Task A_pack_staged_in_the_repository_is_saved_by_rename()
    {
        var backend = (LocalBackend)await CreateBackendAsync();
        using var staged = backend.CreateStagingFile(FileType.Pack);
        Assert.StartsWith(_dir.Combine("repo"), staged.Path);
        staged.Write(new byte[] { 1, 2, 3 });
        await backend.SaveAsync(FileType.Pack, new string('b', 64), staged, TestContext.Current.CancellationToken);
        Assert.True(File.Exists(_dir.Combine("repo/data/bb/" + new string('b', 64))));
        Assert.False(File.Exists(staged.Path));
    }

    public void Dispose() => _dir.Dispose();
}

public sealed class MemoryBackendConformanceTests : BackendConformance
{
    protected override async Task<IBackend> CreateBackendAsync()
    {
        var backend = new MemoryBackend();
        await backend.CreateAsync(TestContext.Current.CancellationToken);
        return backend;
    }
}
