namespace Lifeboat.Engine.Backup;

/// <summary>
/// The source of a stream file failed (a command exited non-zero, could not start, a dump was refused): the backup is
/// abandoned and writes no snapshot, unlike a file that cannot be read, which is skipped.
/// </summary>
public class SourceFailedException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>What the source said on its standard error last (a few lines at most), or empty.</summary>
    public string ErrorOutput { get; init; } = "";
}
