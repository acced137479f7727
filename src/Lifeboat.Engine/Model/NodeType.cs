namespace Lifeboat.Engine.Model;

/// <summary>The "type" values of a restic node. Irregular is written only by restic 0.17+; 0.14 rejects it.</summary>
public static class NodeType
{
    public const string File = "file", Dir = "dir", Symlink = "symlink", Dev = "dev", CharDev = "chardev", Fifo = "fifo",
        Socket = "socket", Irregular = "irregular";

    /// <summary>The types restic 0.14 knows; anything else makes its restore and check fail.</summary>
    public static bool IsKnownToRestic014(string type) =>
        type is File or Dir or Symlink or Dev or CharDev or Fifo or Socket;
}
