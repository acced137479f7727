using Lifeboat.Engine;
using Lifeboat.Engine.Platform;
using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.Consistency;

/// <summary>
/// Consistent copies of live SQLite databases, made with SQLite's online backup API (which reads committed
/// content, WAL included, under one read transaction) into a private staging directory (0700). The archiver
/// stores each copy in place of its database; Dispose removes the staging directory, also after a failure.
/// </summary>
public sealed class DatabaseCopies : IDisposable
{
    /// <summary>Files SQLite keeps beside a database; their content is inside the copy, so the live ones are left out.</summary>
    public static readonly string[] SiblingSuffixes = ["-wal", "-shm", "-journal"];

    private readonly Dictionary<string, string> _copies = new(StringComparer.Ordinal);
    private bool _disposed;

    private DatabaseCopies(string stagingDirectory)
    {
        StagingDirectory = stagingDirectory;
    }

    public string StagingDirectory { get; }

    /// <summary>Original absolute path -> its copy in the staging directory.</summary>
    public IReadOnlyDictionary<string, string> Copies => _copies;

    /// <summary>For BackupOptions.ContentSource: the copy to read instead of the live database, or null.</summary>
    public string? ContentSource(string path) => _copies.TryGetValue(path, out var copy) ? copy : null;

    /// <summary>The live -wal, -shm and -journal files beside the copied databases (they need not exist).</summary>
    public IEnumerable<string> LiveSiblings => _copies.Keys.SelectMany(db => SiblingSuffixes.Select(s => db + s));

    /// <summary>Copies each database; on any failure the copies made so far are removed and the error names the database.</summary>
    public static DatabaseCopies Create(IEnumerable<string> databases, string stagingParent, CancellationToken cancellationToken)
    {
        var staging = MakeStagingDirectory(stagingParent);
        var copies = new DatabaseCopies(staging);
        try
        {
            int n = 0;
            foreach (var database in databases)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var copy = FsNames.Join(staging, $"{n++:D6}.sqlite");
                CopyDatabase(database, copy, cancellationToken);
                copies._copies[database] = copy;
            }
            return copies;
        }
        catch
        {
            copies.Dispose();
            throw;
        }
    }

    /// <summary>/var/tmp survives a reboot's tmpfs and is rarely backed up; the directory is private to us.</summary>
    public static string DefaultStagingParent =>
        Environment.GetEnvironmentVariable("LIFEBOAT_STAGING_DIR") is { Length: > 0 } dir ? dir : "/var/tmp";

    private static string MakeStagingDirectory(string parent)
    {
        for (int attempt = 0; ; attempt++)
        {
            var path = FsNames.Join(parent, $"lifeboat-sqlite-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}");
            try
            {
                Posix.MakeDirectory(path, 0x1C0); // 0700: the copies hold the apps' data
                Posix.Chmod(path, 0x1C0);          // whatever the umask
                return path;
            }
            catch (PosixException e) when (e.Errno == Errno.EEXIST && attempt < 10)
            {
            }
            catch (PosixException e)
            {
                throw new StackException($"cannot create a staging directory for database copies in {parent}: {e.Message}");
            }
        }
    }

    private static void CopyDatabase(string database, string copy, CancellationToken cancellationToken)
    {
        // Pooling off: the handles must be closed when we are done, or the staging directory cannot go.
        var sourceText = new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 60 }.ToString();
        var copyText = new SqliteConnectionStringBuilder { DataSource = copy, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                using var source = new SqliteConnection(sourceText);
                using var destination = new SqliteConnection(copyText);
                source.Open();
                destination.Open();
                source.BackupDatabase(destination);
                return;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6 && attempt < 20) // SQLITE_BUSY, SQLITE_LOCKED: a writer holds it, wait
            {
                cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250 * attempt));
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var leftover in new[] { copy }.Concat(SiblingSuffixes.Select(s => copy + s)))
                    if (File.Exists(leftover)) File.Delete(leftover);
            }
            catch (SqliteException e)
            {
                throw new StackException($"cannot make a consistent copy of SQLite database {database}: {e.Message.Split('\n')[0]}");
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Directory.Delete(StagingDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
