using System.Reflection;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Backup;

public sealed record BackupOptions
{
    /// <summary>What to back up, as the user gave it; recorded in the snapshot as absolute paths.</summary>
    public required IReadOnlyList<string> Paths { get; init; }
    /// <summary>
    /// Files whose content comes from a stream (standard input, a command, a database dump), beside or instead of
    /// <see cref="Paths"/>; recorded in the snapshot's paths after them. With no paths, no parent snapshot is used.
    /// </summary>
    public IReadOnlyList<StreamSource> Streams { get; init; } = [];
    public ExcludeRules Excludes { get; init; } = new();
    /// <summary>The --exclude patterns, recorded in the snapshot.</summary>
    public IReadOnlyList<string> ExcludePatterns { get; init; } = [];
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>
    /// Tags added to the snapshot only when some items could not be read (restic's exit code 3), so that such a
    /// snapshot is visibly incomplete; restic itself has no marker for it.
    /// </summary>
    public IReadOnlyList<string> TagsIfPartial { get; init; } = [];
    public required string Hostname { get; init; }
    /// <summary>The snapshot time; now when null.</summary>
    public GoTime? Time { get; init; }
    /// <summary>Use this snapshot as the parent; when null the latest one with the same host and paths.</summary>
    public Id? Parent { get; init; }
    /// <summary>Read every file, ignoring the parent snapshot.</summary>
    public bool Force { get; init; }
    /// <summary>
    /// What the parent must share with this backup (restic 0.16's --group-by): the host, the paths (all of them among
    /// its own) and the tags (all of them among its own), each when chosen; by default host and paths.
    /// </summary>
    public Maintenance.ForgetGrouping ParentGroupBy { get; init; } = Maintenance.ForgetGrouping.Default;
    /// <summary>restic 0.17's --skip-if-unchanged: no snapshot when the tree is the parent's.</summary>
    public bool SkipIfUnchanged { get; init; }
    /// <summary>--with-atime: record each item's access time (by default the modification time stands for it).</summary>
    public bool WithAccessTime { get; init; }
    /// <summary>--ignore-inode: a file whose inode alone changed (a network or FUSE file system) counts as unchanged.</summary>
    public bool IgnoreInode { get; init; }
    /// <summary>--ignore-ctime: a file whose ctime alone changed counts as unchanged.</summary>
    public bool IgnoreChangeTime { get; init; }
    /// <summary>Do everything but write to the repository.</summary>
    public bool DryRun { get; init; }
    /// <summary>
    /// For a file (by absolute path), another file to read its content from instead, or null. The snapshot keeps
    /// the original's path and metadata. The stack layer uses it to store consistent copies of live databases.
    /// </summary>
    public Func<string, string?>? ContentSource { get; init; }
    /// <summary>
    /// Walk the paths ahead of the backup to count files and bytes, for a progress total and ETA. It doubles the
    /// metadata reads of a no-change backup, so callers that show no progress turn it off.
    /// </summary>
    public bool CountAhead { get; init; } = true;
    /// <summary>The snapshot's program_version (restic 0.16+ writes "restic 0.16.0").</summary>
    public string ProgramVersion { get; init; } = DefaultProgramVersion;

    /// <summary>"lifeboat" and the version every project of this build carries (Directory.Build.props).</summary>
    public static string DefaultProgramVersion { get; } = "lifeboat " +
        (typeof(BackupOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");

    /// <summary>How many files are read and chunked at once.</summary>
    public int FileConcurrency { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);
}
