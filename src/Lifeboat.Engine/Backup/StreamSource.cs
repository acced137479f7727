using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// A file of the snapshot whose content is read from a stream (standard input, a command's output, a database dump)
/// rather than from the file system, as restic's --stdin stores it: a regular file owned by the backing-up user, its
/// times the snapshot's, chunked as it is read (never held whole, nor written to a temporary file). Directories above
/// it that no file-system target provides are made up the same way (restic's fs.Reader).
/// </summary>
public sealed record StreamSource
{
    /// <summary>restic's file mode for stdin: 0644.</summary>
    public const uint DefaultMode = 0x1A4;

    /// <summary>
    /// Where the file lies in the snapshot; cleaned and made absolute ("stdin" is "/stdin"), and recorded in the
    /// snapshot's paths. It may not lie inside a file-system target of the same backup.
    /// </summary>
    public required string Path { get; init; }

    /// <summary>
    /// Opens the content when the archiver reaches the file (so a command starts only then); the archiver reads the
    /// stream to its end once and disposes it. A <see cref="SourceFailedException"/>, from here or from the stream's
    /// reads, abandons the backup (no snapshot is written); an <see cref="IOException"/> skips the file as an item
    /// error, as an unreadable file is skipped.
    /// </summary>
    public required Func<CancellationToken, Task<Stream>> Open { get; init; }

    /// <summary>The file's Go mode bits (permissions only).</summary>
    public uint Mode { get; init; } = DefaultMode;

    /// <summary>The file's modification time; the snapshot's time when null.</summary>
    public GoTime? ModTime { get; init; }

    /// <summary>
    /// Whether a stream that gives no bytes at all is stored as an empty file. restic refuses it ("no data read"),
    /// which is the default: an empty dump is more likely a failure than a backup.
    /// </summary>
    public bool AllowEmpty { get; init; }

    /// <summary>The absolute, cleaned path inside the snapshot, as restic joins --stdin-filename to "/".</summary>
    public string SnapshotPath => GoPath.Clean("/" + Path);

    /// <summary>Standard input, as the file <paramref name="path"/>.</summary>
    public static StreamSource StandardInput(string path) =>
        new() { Path = path, Open = _ => Task.FromResult(Console.OpenStandardInput()) };

    /// <summary>
    /// The standard output of <paramref name="command"/> (an argv list, run without a shell) as the file
    /// <paramref name="path"/>; its standard error lines go to <paramref name="errorLine"/>. A non-zero exit fails the backup.
    /// </summary>
    public static StreamSource CommandOutput(string path, IReadOnlyList<string> command, Action<string>? errorLine = null) =>
        new() { Path = path, Open = _ => Task.FromResult<Stream>(CommandOutputStream.Start(command, errorLine)) };
}
