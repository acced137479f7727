using Lifeboat.Engine.Chunking;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Backup;

/// <summary>
/// Saves the stream files of one run (<see cref="StreamSource"/>): each is opened when reached, chunked as it is
/// read and always stored anew (there is nothing to compare with the parent snapshot but the bytes). It counts as a
/// file being read, so it takes one of the run's file slots.
/// </summary>
internal sealed class StreamSaver(BackupRun run, ContentChunker chunker, GoTime snapshotTime)
{
    /// <summary>
    /// The file node of <paramref name="source"/> named <paramref name="name"/>, its content saved; null when it was
    /// skipped as an item error (a read error, or no data).
    /// </summary>
    /// <exception cref="SourceFailedException">The source failed: the backup must not write a snapshot.</exception>
    public async Task<Node?> SaveAsync(StreamSource source, string name, Node? parentNode)
    {
        var path = source.SnapshotPath;
        var node = SyntheticNodes.File(name, source.Mode, source.ModTime ?? snapshotTime);
        var cancellation = run.Cancellation;
        await run.FileSlots.WaitAsync(cancellation).ConfigureAwait(false);
        run.Statistics.StartFile(path);
        try
        {
            var stream = await source.Open(cancellation).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var (content, size) = await chunker.ChunkAsync(into => stream.ReadAsync(into, cancellation), Chunker.MaxSize)
                    .ConfigureAwait(false);
                if (size == 0 && !source.AllowEmpty)
                {
                    run.Report(path, "archival", new IOException($"read {path}: no data read"));
                    return null;
                }
                node.Content = content;
                node.Size = (ulong)size;
            }
        }
        catch (IOException e)
        {
            run.Report(path, "archival", e);
            return null;
        }
        finally
        {
            run.Statistics.EndFile(path);
            run.FileSlots.Release();
        }
        Interlocked.Increment(ref parentNode is null ? ref run.Statistics.FilesNew : ref run.Statistics.FilesChanged);
        Interlocked.Increment(ref run.Statistics.FilesDone);
        return node;
    }
}
