using System.Text.Json;
using Lifeboat.Engine.Platform;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// The history of restore tests of one repository on this machine: a JSON array in
/// STATE/repositories/REPOSITORY-ID/restore-tests.json, rewritten whole (temp, fsync, rename) on each append so a
/// crash leaves the previous history. It lives beside the machine, not in the repository, so the repository stays
/// exactly what restic writes. STATE is $LIFEBOAT_STATE_DIR, else $XDG_STATE_HOME/lifeboat, else ~/.local/state/lifeboat.
/// </summary>
public sealed class RestoreTestLog
{
    /// <summary>Enough for years of weekly tests of a dozen apps; older entries are dropped first.</summary>
    public const int MaxRecords = 2000;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string FilePath { get; }

    public RestoreTestLog(string repositoryId, string? stateDirectory = null)
    {
        if (repositoryId.Length == 0 || repositoryId.Any(c => !char.IsAsciiHexDigit(c)))
            throw new ArgumentException("a repository ID is hexadecimal", nameof(repositoryId));
        FilePath = Path.Combine(stateDirectory ?? DefaultStateDirectory(), "repositories", repositoryId, "restore-tests.json");
    }

    public static string DefaultStateDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("LIFEBOAT_STATE_DIR");
        if (!string.IsNullOrEmpty(configured)) return Path.GetFullPath(configured);
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "lifeboat");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home)) home = "/root";
        return Path.Combine(home, ".local", "state", "lifeboat");
    }

    /// <summary>Every record, oldest first; none when no test has run. A damaged file is an error naming it.</summary>
    public IReadOnlyList<RestoreTestRecord> ReadAll()
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(FilePath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<List<RestoreTestRecord>>(json, JsonOptions) ?? [];
        }
        catch (JsonException)
        {
            throw new StackException($"the restore-test history {FilePath} is damaged; move it aside (the next verify starts a new one)");
        }
    }

    /// <summary>The newest record of the app, or null.</summary>
    public RestoreTestRecord? Latest(string app) => ReadAll().Where(r => r.App == app).MaxBy(r => r.Time);

    public void Append(IEnumerable<RestoreTestRecord> records)
    {
        var all = ReadAll().Concat(records).OrderBy(r => r.Time).ToList();
        if (all.Count > MaxRecords) all.RemoveRange(0, all.Count - MaxRecords);
        var directory = Path.GetDirectoryName(FilePath)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".restore-tests.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, all, JsonOptions);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, FilePath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        Posix.FsyncDirectory(directory);
    }
}
