using Lifeboat.Engine.Platform;

namespace Lifeboat.Engine.Backup;

/// <summary>Counts what is to be backed up, ahead of the archiver, so progress can show a total and an ETA.</summary>
internal static class Scanner
{
    /// <summary>
    /// Walks <paramref name="roots"/> (never excluded themselves) and adds their directories, files and regular files'
    /// bytes to the totals of <paramref name="statistics"/>; items it cannot read are skipped silently (the archiver
    /// reports them). Sets <see cref="BackupStatistics.ScanFinished"/> at the end.
    /// </summary>
    public static void Count(IEnumerable<string> roots, ExcludeRules excludes, BackupStatistics statistics, CancellationToken cancellation)
    {
        var stack = new Stack<string>(roots);
        var targets = new HashSet<string>(stack);
        while (stack.Count > 0 && !cancellation.IsCancellationRequested)
        {
            var path = stack.Pop();
            if (!Posix.TryLStat(path, out var st, out _)) continue;
            if (!targets.Contains(path) && excludes.IsExcluded(SourcePaths.ForRules(path), st)) continue;
            if (st.IsDirectory)
            {
                Interlocked.Increment(ref statistics.TotalDirectories);
                try
                {
                    foreach (var name in Posix.ListDirectory(path)) stack.Push(FsNames.Join(path, name));
                }
                catch (PosixException) { }
            }
            else
            {
                Interlocked.Increment(ref statistics.TotalFiles);
                if (st.IsRegularFile) Interlocked.Add(ref statistics.TotalBytes, st.Size);
            }
        }
        statistics.ScanFinished = true;
    }
}
