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
    /// <summary>Rolls back every killed placement beside the apps' paths; one line for each.</summary>
    public static List<string> Run(IEnumerable<AppConfig> apps)
    {
        var lines = new List<string>();
        var parents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in apps.SelectMany(a => a.Paths))
            if (parents.Add(StackRestore.StagingParentFor(path)))
                lines.AddRange(RunIn(StackRestore.StagingParentFor(path)));
        return lines;
    }

    /// <summary>Rolls back the killed placements whose trash directory is in <paramref name="parent"/>.</summary>
    internal static List<string> RunIn(string parent)
    {
        var lines = new List<string>();
        if (!Posix.TryLStat(parent, out var status, out _) || !status.IsDirectory) return lines;
        foreach (var name in Posix.ListDirectory(parent).Where(n => n.StartsWith(StagedPlacement.TrashPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var journal = FsNames.Join(FsNames.Join(parent, name), PlacementJournal.FileName);
            if (!Posix.TryLStat(journal, out _, out _)) continue;
            if (RollBack(journal) is { } line) lines.Add(line);
        }
        return lines;
    }

    private static string? RollBack(string journalPath)
    {
        PlacementJournalHeader header;
        List<PlacementStep> steps;
        try
        {
            (header, steps) = PlacementJournal.Read(journalPath);
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return $"{journalPath} cannot be read ({e.Message}): an interrupted restore may have left files half restored there; look at its trash directory and remove it by hand";
        }
        // a restore that is still running (another command at the same time) is not ours to undo
        if (header.Writer.IsRunning()) return null;
        var failures = StagedPlacement.Undo(steps, Posix.GetUid() == 0, out int putBack);
        var when = header.Time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        if (failures.Count > 0)
            return $"app {header.App}: a restore killed at {when} could not be wholly rolled back: {failures.Count} item{(failures.Count == 1 ? "" : "s")} could not be put back ({failures[0]}); what was replaced is in {string.Join(", ", header.OwnDirectories.Where(d => d.Contains(StagedPlacement.TrashPrefix, StringComparison.Ordinal)))}";
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
