using System.Collections.Concurrent;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Storage.Tests.Cache;

/// <summary>
/// A real backend presented as a remote one (not local, packs staged in $TMPDIR as remote backends stage them), counting
/// every read per file type and name: what a cache saves is what does not get counted.
/// </summary>
public sealed class CountingRemoteBackend(IBackend inner) : BackendDecorator(inner)
{
    private readonly ConcurrentDictionary<(FileType, string), int> _reads = new();

    public override bool IsLocal => false;

    /// <summary>How long each read waits before it starts (to make concurrent readers overlap).</summary>
    public TimeSpan ReadDelay { get; set; }

    public int Reads(FileType type) => _reads.Where(r => r.Key.Item1 == type).Sum(r => r.Value);
    public int Reads(FileType type, string name) => _reads.GetValueOrDefault((type, name));
    public void Reset() => _reads.Clear();

    public override StagingFile CreateStagingFile(FileType type) => StagingFile.InTempDirectory();

    public override async Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        _reads.AddOrUpdate((type, name), 1, (_, n) => n + 1);
        if (ReadDelay > TimeSpan.Zero) await Task.Delay(ReadDelay, cancellationToken);
        await Inner.ReadAsync(type, name, offset, destination, cancellationToken);
    }

    public override async Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken)
    {
        _reads.AddOrUpdate((type, name), 1, (_, n) => n + 1);
        if (ReadDelay > TimeSpan.Zero) await Task.Delay(ReadDelay, cancellationToken);
        return await Inner.OpenReadAsync(type, name, offset, length, cancellationToken);
    }

    public override async Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        _reads.AddOrUpdate((type, name), 1, (_, n) => n + 1);
        if (ReadDelay > TimeSpan.Zero) await Task.Delay(ReadDelay, cancellationToken);
        return await Inner.ReadAllAsync(type, name, cancellationToken);
    }
}
