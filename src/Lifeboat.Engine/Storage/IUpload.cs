namespace Lifeboat.Engine.Storage;

/// <summary>A file being written piece by piece, made visible under its name only by <see cref="CommitAsync"/>.
/// Disposing an upload that was not committed discards it.</summary>
public interface IUpload : IDisposable
{
    long Length { get; }
    void Write(ReadOnlySpan<byte> data);
    Task CommitAsync(string name, CancellationToken cancellationToken);
}
