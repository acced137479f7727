using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Restore;

/// <summary>One file being restored: its handle stays open while blobs arrive and closes after the last.</summary>
internal struct PlannedFile
{
    public int Dir;
    public string Name;
    /// <summary>The metadata to apply once the file is complete; null for an entry complete when planned.</summary>
    public ItemMetadata? Metadata;
    public long Size;
    /// <summary>Blobs still to arrive (each place in <see cref="RestorePlan.Packs"/> counts once).</summary>
    public int Remaining;
    public bool Opened;
    /// <summary>The file exists and only its differing blobs are planned: opened without truncating, and never sparse.</summary>
    public bool Update;
    public bool Failed;
    public SafeFileHandle? Handle;
}
