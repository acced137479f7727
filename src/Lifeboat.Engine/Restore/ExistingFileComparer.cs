using Lifeboat.Engine.Model;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// Compares a file already in the target with a snapshot's file node blob by blob (restic 0.17's verifyFile for
/// --overwrite always and if-changed): each stretch of the file is hashed and compared with the blob ID that belongs
/// there, so a restore downloads only what differs. Used by the planner, one file at a time.
/// </summary>
internal sealed class ExistingFileComparer(Repository.Repository repository)
{
    private byte[] _buffer = [];

    /// <summary>
    /// Unchanged: the file holds the node's content (or, trusting modification times, has its size and mtime).
    /// Otherwise <see cref="Matches"/> says which blobs are in place already, or is null when nothing is worth keeping
    /// (the file is then replaced whole).
    /// </summary>
    public readonly record struct Result(bool Unchanged, bool[]? Matches);

    public Result Compare(SafeFileHandle handle, Node node, bool trustModTime)
    {
        var status = Posix.FStat(handle);
        if (!status.IsRegularFile) return new(false, null);
        bool sizeMatches = status.Size == (long)node.Size;
        if (trustModTime && sizeMatches && status.ModTime.Seconds == node.ModTime.UnixSeconds && status.ModTime.Nanoseconds == node.ModTime.Nanoseconds)
            return new(true, null);
        var content = node.Content ?? [];
        var matches = new bool[content.Count];
        bool all = sizeMatches, any = false;
        long offset = 0;
        for (int i = 0; i < content.Count; i++)
        {
            if (!repository.Index.TryLookup(BlobType.Data, content[i], out var location)) return new(false, null);
            var blob = location.Blob;
            int length = (int)(blob.IsCompressed ? blob.UncompressedLength : blob.Length - Crypto.CryptoKey.Overhead);
            if (_buffer.Length < length) _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(length, 64 * 1024));
            var span = _buffer.AsSpan(0, length);
            if (Posix.ReadFully(handle, span, offset) < length)
            {
                all = false;
                break;
            }
            matches[i] = Id.Hash(span) == content[i];
            all &= matches[i];
            any |= matches[i];
            offset += length;
        }
        if (all) return new(true, null);
        // a file with other names besides would change under them too: it is replaced, as restic does
        return any && status.Links == 1 ? new(false, matches) : new(false, null);
    }
}
