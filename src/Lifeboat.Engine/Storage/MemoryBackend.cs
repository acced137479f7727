using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Lifeboat.Engine.Storage;

/// <summary>A repository held in memory: for unit tests of everything above the storage seam, and as the contract's simplest model.</summary>
public sealed class MemoryBackend(string location = "memory:") : IBackend
{
    private readonly ConcurrentDictionary<(FileType Type, string Name), byte[]> _files = new();
    private bool _created;

    public string Location { get; } = location;
    public int Connections { get; init; } = 4;
    public bool IsLocal => true;

    /// <summary>How many files the backend holds, of every type.</summary>
    public int Count => _files.Count;

    public Task CreateAsync(CancellationToken cancellationToken)
    {
        if (_files.ContainsKey((FileType.Config, "config")))
            throw BackendException.Permanent($"repository {Location} already exists: it has a config file");
        _created = true;
        return Task.CompletedTask;
    }

    private byte[] Get(FileType type, string name) =>
        _files.TryGetValue((type, name), out var data) ? data : throw new BackendFileNotFoundException(type, name, Location);

    public Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken) =>
        Task.FromResult((long)Get(type, name).Length);

    public async IAsyncEnumerable<BackendFile> ListAsync(FileType type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var ((t, name), data) in _files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (t == type) yield return new BackendFile(name, data.Length);
        }
    }

    public Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var data = Get(type, name);
        if (offset < 0 || offset + destination.Length > data.Length)
            throw new EndOfStreamException($"{BackendPaths.Describe(type, name)} is shorter than expected: wanted {destination.Length} bytes at offset {offset} of {data.Length}");
        data.AsSpan((int)offset, destination.Length).CopyTo(destination.Span);
        return Task.CompletedTask;
    }

    public Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken) =>
        Task.FromResult(Get(type, name).ToArray());

    public StagingFile CreateStagingFile(FileType type) => StagingFile.InTempDirectory();

    public async Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken)
    {
        if (!_created && type != FileType.Config && _files.IsEmpty)
            throw BackendException.Permanent($"repository {Location} does not exist");
        byte[] data;
        if (source.TryGetMemory(out var memory)) data = memory.ToArray();
        else
        {
            await using var stream = source.OpenRead();
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            data = copy.ToArray();
        }
        if (data.Length != source.Length)
            throw BackendException.Permanent($"{BackendPaths.Describe(type, name)}: the source gave {data.Length} bytes, not {source.Length}");
        _files[(type, name)] = data;
    }

    public Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken)
    {
        _files.TryRemove((type, name), out _);
        return Task.CompletedTask;
    }

    public void Dispose() { }
}
