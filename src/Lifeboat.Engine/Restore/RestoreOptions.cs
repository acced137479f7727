namespace Lifeboat.Engine.Restore;

public sealed record RestoreOptions
{
    /// <summary>The directory <see cref="Restorer.RunAsync"/> restores into; created when missing. <see cref="Restorer.RestoreNodeAsync(Lifeboat.Engine.Model.Node, string, string, CancellationToken)"/> takes its own target path.</summary>
    public string Target { get; init; } = "";
    /// <summary>
    /// Restore only items matching these patterns (and the directories leading to them); as restic's lists, a pattern
    /// starting with '!' takes back what the patterns before it matched. The same holds for the other pattern lists.
    /// </summary>
    public IReadOnlyList<string> Includes { get; init; } = [];
    public IReadOnlyList<string> Excludes { get; init; } = [];
    /// <summary>
    /// Restore only these exact locations ("/dir/file", from the root tree given to RunAsync), everything below a
    /// directory among them, and the directories leading to them; null for no such limit. Unlike include patterns,
    /// a set of thousands costs one lookup per item (a restore test's random sample).
    /// </summary>
    public IReadOnlySet<string>? SelectedPaths { get; init; }
    /// <summary>Match patterns case-insensitively (--iinclude, --iexclude).</summary>
    public IReadOnlyList<string> InsensitiveIncludes { get; init; } = [];
    public IReadOnlyList<string> InsensitiveExcludes { get; init; } = [];
    /// <summary>Restore numeric owners; on by default when running as root, as restic does.</summary>
    public bool? RestoreOwnership { get; init; }
    /// <summary>
    /// How many packs are read and written at once; null: one more than the processors, and for a repository on a
    /// server at least twice its connections, so that the reads' round trips overlap the writing of files.
    /// </summary>
    public int? PackConcurrency { get; init; }
    /// <summary>Count and check what would be restored, deleted or skipped, and write nothing.</summary>
    public bool DryRun { get; init; }
    /// <summary>What to do with an item that exists already at its place in the target (restic 0.17's --overwrite).</summary>
    public RestoreOverwrite Overwrite { get; init; } = RestoreOverwrite.Always;
    /// <summary>
    /// Remove what the target holds beside the snapshot's items in each restored directory (restic 0.17's --delete):
    /// only what the filters would select, so that a partial restore removes nothing outside its selection.
    /// </summary>
    public bool Delete { get; init; }
    /// <summary>Leave blobs of zeros as holes in the files created (restic's --sparse).</summary>
    public bool Sparse { get; init; }
    /// <summary>How much planned content makes a batch for the content stage (<see cref="RestorePlanner.BatchBytes"/>); tests make it small.</summary>
    internal long ContentBatchBytes { get; init; } = RestorePlanner.BatchBytes;
}
