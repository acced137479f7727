using Lifeboat.Engine.Model;
using Lifeboat.Engine.Storage;

namespace Lifeboat.Engine.Maintenance;

/// <summary>
/// restic's rewrite of one snapshot: its tree rewritten (when a <see cref="TreeRewriter"/> is given), its host or time
/// replaced, and saved as a new snapshot whose "original" is the old one's ID, tagged "rewrite" unless the old one is
/// forgotten. The summary is kept, with the file count and size of the new tree (restic 0.17). A snapshot that would not
/// change is left alone, and so is one whose include filter leaves nothing. repair snapshots uses it too (tag "repaired").
/// </summary>
public sealed class SnapshotRewriter(Repository.Repository repository, TreeRewriter? trees, string? newHost = null, GoTime? newTime = null)
{
    public const string RewriteTag = "rewrite", RepairTag = "repaired";

    /// <summary>The tag a new snapshot gets when the old one stays.</summary>
    public string Tag { get; init; } = RewriteTag;
    /// <summary>Set the summary's total_files_processed and total_bytes_processed from the new tree (rewrite, not repair).</summary>
    public bool UpdateSummary { get; init; } = true;
    /// <summary>A snapshot left with no tree at all is removed (repair: its root tree cannot be read), not left alone.</summary>
    public bool RemoveWhenEmpty { get; init; }

    public enum Outcome { Unchanged, Rewritten, Removed }

    /// <summary>What happened; <paramref name="newId"/> is the new snapshot's (none in a dry run).</summary>
    public readonly record struct Result(Outcome Outcome, Id? NewId);

    /// <param name="forget">Delete the old snapshot once the new one is saved (the new one then gets no "rewrite" tag).</param>
    public async Task<Result> RewriteAsync(Snapshot snapshot, bool dryRun, bool forget, CancellationToken cancellationToken)
    {
        var tree = snapshot.Tree;
        bool summaryChanged = false;
        if (trees is not null)
        {
            var rewritten = await trees.RewriteAsync(snapshot.Tree, cancellationToken).ConfigureAwait(false);
            if (rewritten.Tree is not { } newTree)
            {
                if (!RemoveWhenEmpty) return new Result(Outcome.Unchanged, null);
                if (!dryRun) await repository.DeleteFileAsync(FileType.Snapshot, snapshot.Id, cancellationToken).ConfigureAwait(false);
                return new Result(Outcome.Removed, null);
            }
            tree = newTree;
            var summary = snapshot.Summary;
            summaryChanged = UpdateSummary && (summary is null || summary.TotalFilesProcessed != rewritten.Files || summary.TotalBytesProcessed != rewritten.Bytes);
            if (!dryRun && summaryChanged)
            {
                summary ??= new SnapshotSummary();
                summary.TotalFilesProcessed = rewritten.Files;
                summary.TotalBytesProcessed = rewritten.Bytes;
                snapshot.Summary = summary;
            }
        }
        if (tree == snapshot.Tree && newHost is null && newTime is null && !summaryChanged) return new Result(Outcome.Unchanged, null);
        if (dryRun) return new Result(Outcome.Rewritten, null);

        // the new trees are in packs and the index before a snapshot names them
        await repository.FlushAsync(cancellationToken).ConfigureAwait(false);
        var oldId = snapshot.Id;
        snapshot.Original = oldId;
        snapshot.Tree = tree;
        if (!forget && !snapshot.HasTag(Tag)) (snapshot.Tags ??= []).Add(Tag);
        if (newTime is { } time) snapshot.Time = time;
        if (newHost is not null) snapshot.Hostname = newHost;
        // saved before the old one goes: a crash leaves both, never neither
        var newId = await repository.SaveSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
        if (forget && newId != oldId) await repository.DeleteFileAsync(FileType.Snapshot, oldId, cancellationToken).ConfigureAwait(false);
        return new Result(Outcome.Rewritten, newId);
    }
}
