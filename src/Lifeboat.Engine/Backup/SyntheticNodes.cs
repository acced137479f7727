using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// Nodes for what is not on the file system (a stream file and the directories above it), made as restic 0.14's
/// fs.Reader makes them: no lstat behind them, so only the type, mode and times, and the backing-up user's uid and gid
/// (no user or group name, inode, device or link count).
/// </summary>
internal static class SyntheticNodes
{
    /// <summary>restic's mode of a made-up directory: 0755.</summary>
    private const uint DirectoryPermissions = 0x1ED;

    /// <summary>A regular file; its content and size are the caller's to set.</summary>
    public static Node File(string name, uint mode, GoTime time) => Basic(name, NodeType.File, mode & GoFileMode.Perm, time, []);

    /// <summary>A directory, its time now (restic stamps it when its fs.Reader is asked); its subtree is the caller's to set.</summary>
    public static Node Directory(string name) => Basic(name, NodeType.Dir, GoFileMode.Dir | DirectoryPermissions, GoTime.Now(), null);

    private static Node Basic(string name, string type, uint mode, GoTime time, List<Id>? content) => new()
    {
        Name = name,
        Type = type,
        Mode = mode,
        ModTime = time,
        AccessTime = time,
        ChangeTime = time,
        Uid = Posix.GetUid(),
        Gid = Posix.GetGid(),
        Content = content,
    };
}
