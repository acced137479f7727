namespace Lifeboat.Engine.Repository;

/// <summary>One blob as a pack header or an index file lists it.</summary>
public readonly record struct PackedBlob(Id Id, BlobType Type, uint Offset, uint Length, uint UncompressedLength)
{
    public bool IsCompressed => UncompressedLength != 0;
}
