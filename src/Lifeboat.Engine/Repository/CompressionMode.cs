namespace Lifeboat.Engine.Repository;

/// <summary>
/// restic's --compression: auto, max and (restic 0.19) fastest and better compress every blob in a v2 repository, at
/// their own zstd level; off stores data blobs raw.
/// </summary>
public enum CompressionMode
{
    Auto,
    Off,
    Max,
    Fastest,
    Better,
}
