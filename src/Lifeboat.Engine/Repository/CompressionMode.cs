namespace Lifeboat.Engine.Repository;

/// <summary>restic's --compression: auto and max compress every blob in a v2 repository; off stores data blobs raw.</summary>
public enum CompressionMode
{
    Auto,
    Off,
    Max,
}
