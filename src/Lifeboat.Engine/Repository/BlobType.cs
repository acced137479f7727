namespace Lifeboat.Engine.Repository;

/// <summary>restic's blob types; data blobs hold file content, tree blobs hold directory listings.</summary>
public enum BlobType : byte
{
    Data = 0,
    Tree = 1,
}

public static class BlobTypeNames
{
    public static string ToJson(this BlobType type) => type == BlobType.Data ? "data" : "tree";

    public static bool TryParse(ReadOnlySpan<byte> utf8, out BlobType type)
    {
        if (utf8.SequenceEqual("data"u8)) { type = BlobType.Data; return true; }
        if (utf8.SequenceEqual("tree"u8)) { type = BlobType.Tree; return true; }
        type = default;
        return false;
    }
}
