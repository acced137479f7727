namespace Lifeboat.Engine.Storage;

/// <summary>The kinds of files a restic repository holds; each has its own folder.</summary>
public enum FileType
{
    Config,
    Key,
    Lock,
    Snapshot,
    Index,
    Pack,
}
