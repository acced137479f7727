namespace Lifeboat.Engine.Repository;

/// <summary>A blob found in the index: the pack that holds it and where.</summary>
public readonly record struct BlobLocation(Id PackId, PackedBlob Blob);
