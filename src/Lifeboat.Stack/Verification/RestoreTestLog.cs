using Lifeboat.Stack.State;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// The history of restore tests of one repository on this machine: a JSON array in
/// STATE/repositories/REPOSITORY-ID/restore-tests.json (see <see cref="JsonHistoryFile{T}"/> for how it is written
/// and <see cref="StateDirectory"/> for where STATE is).
/// </summary>
public sealed class RestoreTestLog
{
    /// <summary>Enough for years of weekly tests of a dozen apps; older entries are dropped first.</summary>
    public const int MaxRecords = 2000;

    private readonly JsonHistoryFile<RestoreTestRecord> _file;

    public string FilePath => _file.FilePath;

    public RestoreTestLog(string repositoryId, string? stateDirectory = null)
    {
        _file = new JsonHistoryFile<RestoreTestRecord>(StateDirectory.RepositoryFile(repositoryId, "restore-tests.json", stateDirectory), StateJsonContext.Default.ListRestoreTestRecord,
            r => r.Time, MaxRecords, "the restore-test history", "move it aside (the next verify starts a new one)");
    }

    /// <summary>$LIFEBOAT_STATE_DIR, else $XDG_STATE_HOME/lifeboat, else ~/.local/state/lifeboat.</summary>
    public static string DefaultStateDirectory() => StateDirectory.Default();

    /// <summary>Every record, oldest first; none when no test has run. A damaged file is an error naming it.</summary>
    public IReadOnlyList<RestoreTestRecord> ReadAll() => _file.ReadAll();

    /// <summary>The newest record of the app, or null.</summary>
    public RestoreTestRecord? Latest(string app) => ReadAll().Where(r => r.App == app).MaxBy(r => r.Time);

    public void Append(IEnumerable<RestoreTestRecord> records) => _file.Append(records);
}
