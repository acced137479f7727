using System.Globalization;
using Lifeboat.Engine;
using Lifeboat.Engine.Platform;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Scenarios;

/// <summary>
/// Undoes the in-place restores (and rebuilds) that were killed while they moved files into place: their journal
/// (<see cref="PlacementJournal"/>) is in a trash directory beside the app's paths. Runs before a command touches an
/// app (stack restore, rebuild, rollback, backup), so that the app is never left, nor backed up, half restored, and
/// before the app's stopped containers are started again, so that they start on the old files.
/// </summary>
public static class PlacementRecovery
{
    /// <summary>
    /// Rolls back every killed placement beside the apps' paths, then removes the staging (and empty trash)
    /// directories that interrupted restores left and no journal needs; one line for each.
    /// </summary>
    public static List<string> Run(IEnumerable<AppConfig> apps) =>
        RunIn(apps.SelectMany(a => a.Paths).Select(StackRestore.StagingParentFor).Distinct(StringComparer.Ordinal).ToList());

    /// <summary>The same for the placements whose directories are in <paramref name="parent"/>.</summary>
    internal static List<string> RunIn(string parent) => RunIn([parent]);

    private static List<string> RunIn(IReadOnlyList<string> parents)
    {
        var lines = new List<string>();
        var existing = parents.Where(p => Posix.TryLStat(p, out var status, out _) && status.IsDirectory).ToList();
        foreach (var parent in existing)
            foreach (var journal in Journals(parent))
                if (RollBack(journal) is { } line) lines.Add(line);
        // a journal still there (its restore runs, or its undo failed) names directories it still needs
        var needed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var journal in existing.SelectMany(Journals))
        {
            try
            {
                needed.UnionWith(PlacementJournal.ReadHeader(journal).OwnDirectories);
            }
            catch (Exception e) when (PlacementJournal.IsUnreadable(e))
            {
                return lines; // what it needs is unknown: nothing is swept
            }
        }
        foreach (var parent in existing) lines.AddRange(RemoveLeftovers(parent, needed));
        return lines;
    }

    private static IEnumerable<string> Journals(string parent) =>
        Posix.ListDirectory(parent)
            .Where(n => n.StartsWith(StagedPlacement.TrashPrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => FsNames.Join(FsNames.Join(parent, name), PlacementJournal.FileName))
            .Where(journal => Posix.TryLStat(journal, out _, out _))
            .ToList();

    /// <summary>
    /// Removes the staging and trash directories that no process holds (each restore keeps its own flock'ed: the
    /// kernel dropped the lock of one that was killed) and no journal needs: a restore killed while it staged, or
    /// after its placement was complete (journal removed) but before it cleaned up, leaves them. A directory marked by
    /// a failed undo (<see cref="StagedPlacement.KeptMarker"/>) is left alone: the user was sent there.
    /// </summary>
    private static List<string> RemoveLeftovers(string parent, HashSet<string> needed)
    {
        var lines = new List<string>();
        foreach (var name in Posix.ListDirectory(parent).Order(StringComparer.Ordinal))
        {
            bool staging = name.StartsWith(StagedPlacement.StagingPrefix, StringComparison.Ordinal);
            if (!staging && !name.StartsWith(StagedPlacement.TrashPrefix, StringComparison.Ordinal)) continue;
            var path = FsNames.Join(parent, name);
            if (needed.Contains(path) || !Posix.TryLStat(path, out var status, out _) || !status.IsDirectory) continue;
            try
            {
                using var handle = Posix.OpenDirectory(path);
                if (!Posix.TryLockExclusive(handle)) continue; // a restore running now
                if (Posix.TryLStat(FsNames.Join(path, StagedPlacement.KeptMarker), out _, out _)) continue;
                FileTrees.Remove(path);
                lines.Add($"removed {path}, left by an interrupted restore (nothing in place depended on it)");
            }
            catch (PosixException e)
            {
                lines.Add($"could not remove {path}, left by an interrupted restore: {e.Message}");
            }
        }
        return lines;
    }

    private static string? RollBack(string journalPath)
    {
        PlacementJournalHeader header;
        var failures = new UndoFailures();
        int putBack;
        try
        {
            header = PlacementJournal.ReadHeader(journalPath);
            // a restore that is still running (another command at the same time) is not ours to undo
            if (header.Writer.IsRunning()) return null;
            // the steps are read from the file as they are undone: a journal of millions of steps needs no more memory
            StagedPlacement.Undo(journalPath, Posix.GetUid() == 0, failures, out putBack);
        }
        catch (Exception e) when (PlacementJournal.IsUnreadable(e))
        {
            return $"{journalPath} cannot be read ({e.Message}): an interrupted restore may have left files half restored there; look at its trash directory and remove it by hand";
        }
        var when = header.Time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        if (failures.Count > 0)
            return $"app {header.App}: a restore killed at {when} could not be wholly rolled back: {failures.Count} item{(failures.Count == 1 ? "" : "s")} could not be put back ({failures.First[0]}); what was replaced is in {string.Join(", ", header.OwnDirectories)}";
        // the journal first: a kill while the directories are removed must not undo again from a half-emptied trash
        Posix.Unlink(journalPath);
        var leftovers = new List<string>();
        foreach (var directory in header.OwnDirectories)
        {
            try
            {
                if (Posix.TryLStat(directory, out _, out _)) FileTrees.Remove(directory);
            }
            catch (PosixException e)
            {
                leftovers.Add($"; could not remove {directory}: {e.Message}");
            }
        }
        return $"app {header.App}: a restore killed at {when} was rolled back: {putBack} item{(putBack == 1 ? "" : "s")} put back{string.Concat(leftovers)}";
    }
}
