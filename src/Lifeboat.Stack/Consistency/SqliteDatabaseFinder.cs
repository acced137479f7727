using Lifeboat.Engine;
using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Stack.Consistency;

/// <summary>Finds SQLite databases by their file header ("SQLite format 3\0"), not by name: apps name them freely.</summary>
public static class SqliteDatabaseFinder
{
    private static ReadOnlySpan<byte> Header => "SQLite format 3\0"u8;

    /// <summary>Every database under these paths (not following symbolic links), skipping what the excludes leave out.</summary>
    public static List<string> Find(IEnumerable<string> paths, ExcludeRules? excludes, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        var pending = new Stack<string>(paths);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var path))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!seen.Add(path) || !Posix.TryLStat(path, out var status, out _)) continue;
            if (excludes is not null && excludes.IsExcluded(path, status)) continue;
            if (status.IsDirectory)
            {
                List<string> names;
                try { names = Posix.ListDirectory(path); }
                catch (PosixException) { continue; } // the archiver reports what it cannot read
                foreach (var name in names) pending.Push(FsNames.Join(path, name));
            }
            else if (status.IsRegularFile && status.Size >= Header.Length && IsDatabase(path))
            {
                found.Add(path);
            }
        }
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    public static bool IsDatabase(string path)
    {
        try
        {
            using var handle = Posix.OpenRead(path);
            Span<byte> start = stackalloc byte[16];
            return RandomAccess.Read(handle, start, 0) == start.Length && start.SequenceEqual(Header);
        }
        catch (Exception e) when (e is PosixException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
