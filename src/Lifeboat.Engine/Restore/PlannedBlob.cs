using Lifeboat.Engine.Repository;

namespace Lifeboat.Engine.Restore;

/// <summary>One place a blob's plaintext goes: a blob several places need is listed once for each.</summary>
internal struct PlannedBlob
{
    public PackedBlob Blob;
    /// <summary>Where in the file the plaintext goes.</summary>
    public long Offset;
    /// <summary>The file's number in the plan.</summary>
    public int File;
}
