namespace Lifeboat.Engine.Storage;

/// <summary>How names map to paths inside a repository, for both of restic's layouts.</summary>
public static class BackendPaths
{
    public static string Folder(FileType type, bool s3Legacy) => type switch
    {
        FileType.Config => "",
        FileType.Pack => "data",
        FileType.Index => "index",
        FileType.Key => s3Legacy ? "key" : "keys",
        FileType.Lock => s3Legacy ? "lock" : "locks",
        FileType.Snapshot => s3Legacy ? "snapshot" : "snapshots",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The path relative to the repository root; packs are sharded by their first two hex digits in the default layout.</summary>
    public static string RelativePath(FileType type, string name, bool s3Legacy)
    {
        if (type == FileType.Config) return "config";
        var folder = Folder(type, s3Legacy);
        if (type == FileType.Pack && !s3Legacy) return $"{folder}/{name[..2]}/{name}";
        return $"{folder}/{name}";
    }

    public static bool IsValidName(string name)
    {
        if (name.Length != 64) return false;
        foreach (char c in name)
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        return true;
    }

    public static string Describe(FileType type, string name) => type switch
    {
        FileType.Config => "config",
        FileType.Pack => $"pack {name}",
        FileType.Index => $"index {name}",
        FileType.Key => $"key {name}",
        FileType.Lock => $"lock {name}",
        FileType.Snapshot => $"snapshot {name}",
        _ => name,
    };
}
