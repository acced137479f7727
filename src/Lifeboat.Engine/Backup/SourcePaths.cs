namespace Lifeboat.Engine.Backup;

/// <summary>The lexical forms of a backup source path: as given, cleaned, and absolute as a snapshot records it.</summary>
public static class SourcePaths
{
    /// <summary>Absolute, cleaned form of a target, as recorded in the snapshot.</summary>
    public static string AbsolutePath(string path) => CleanPath(Path.IsPathRooted(path) ? path : FsNames.Join(Environment.CurrentDirectory, path));

    /// <summary>Lexical clean like Go's filepath.Clean, working on surrogate-escaped strings.</summary>
    public static string CleanPath(string path) => GoPath.Clean(path);

    /// <summary>The absolute path that exclude rules and content sources are asked about (the walk may go by a relative one).</summary>
    internal static string ForRules(string path) => path.StartsWith('/') ? path : AbsolutePath(path);
}
