namespace Lifeboat.Engine.Storage;

public static class BackendExtensions
{
    public static async Task<bool> ExistsAsync(this IBackend backend, FileType type, string name, CancellationToken cancellationToken)
    {
        try
        {
            await backend.StatAsync(type, name, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BackendFileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Saves a small file held in memory.</summary>
    public static Task SaveAsync(this IBackend backend, FileType type, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        backend.SaveAsync(type, name, SaveSource.FromMemory(content), cancellationToken);

    /// <summary>"&lt;data/0123abcd&gt;": how restic names a file in its retry and error lines.</summary>
    public static string Handle(FileType type, string name) => type == FileType.Config
        ? "<config>"
        : $"<{BackendPaths.Folder(type, false)}/{(name.Length > 8 ? name[..8] : name)}>";
}
