namespace Lifeboat.Engine.Storage;

/// <summary>
/// A backend that wraps another and passes every call through unless it overrides it: the base of the layers that every
/// backend shares (retries, the local cache, rate limits, the lock guard, fault injection in tests).
/// </summary>
public abstract class BackendDecorator(IBackend inner) : IBackend
{
    protected IBackend Inner { get; } = inner;

    public virtual string Location => Inner.Location;
    public virtual int Connections => Inner.Connections;
    public virtual bool IsLocal => Inner.IsLocal;

    public virtual Task CreateAsync(CancellationToken cancellationToken) => Inner.CreateAsync(cancellationToken);

    public virtual Task<long> StatAsync(FileType type, string name, CancellationToken cancellationToken) =>
        Inner.StatAsync(type, name, cancellationToken);

    public virtual IAsyncEnumerable<BackendFile> ListAsync(FileType type, CancellationToken cancellationToken) =>
        Inner.ListAsync(type, cancellationToken);

    public virtual Task ReadAsync(FileType type, string name, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        Inner.ReadAsync(type, name, offset, destination, cancellationToken);

    public virtual Task<Stream> OpenReadAsync(FileType type, string name, long offset, long length, CancellationToken cancellationToken) =>
        Inner.OpenReadAsync(type, name, offset, length, cancellationToken);

    public virtual Task<byte[]> ReadAllAsync(FileType type, string name, CancellationToken cancellationToken) =>
        Inner.ReadAllAsync(type, name, cancellationToken);

    public virtual StagingFile CreateStagingFile(FileType type) => Inner.CreateStagingFile(type);

    public virtual Task SaveAsync(FileType type, string name, SaveSource source, CancellationToken cancellationToken) =>
        Inner.SaveAsync(type, name, source, cancellationToken);

    public virtual Task DeleteAsync(FileType type, string name, CancellationToken cancellationToken) =>
        Inner.DeleteAsync(type, name, cancellationToken);

    public virtual void Dispose()
    {
        Inner.Dispose();
        GC.SuppressFinalize(this);
    }
}
