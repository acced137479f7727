using System.IO.Compression;
using System.Text;
using Lifeboat.Engine;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Trees;

namespace Lifeboat.Dashboard;

/// <summary>
/// A snapshot's directory as a .zip, written to a stream that cannot seek (the response) as it is read: each file's
/// blobs go through the entry's deflate stream a piece at a time, sizes follow in data descriptors, so nothing is whole
/// in memory. ZipArchive writes synchronously, which the server refuses: it writes into a small buffer that is sent on
/// asynchronously after every piece (<see cref="DrainedBuffer"/>). Members are named as the .tar's are (the path below the directory, a lone surrogate made U+FFFD); a node
/// whose name could climb out of the archive's folder ("", ".", "..", a "/" or NUL in it) is left out with all below it.
/// Unix modes and symlinks are kept in the entries' external attributes (Info-ZIP's convention).
/// </summary>
public static class SnapshotZip
{
    public static async Task WriteAsync(Repository repository, Id tree, string prefix, Stream output, CancellationToken cancellationToken)
    {
        var buffer = new DrainedBuffer(output);
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8))
        {
            await new TreeWalker(repository).WalkAsync(tree, prefix.Length == 0 ? "" : "/" + prefix, new ZipVisitor(repository, zip, buffer), cancellationToken).ConfigureAwait(false);
        }
        // the central directory, written as the archive closed
        await buffer.DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A write-only stream that holds what is written until <see cref="DrainAsync"/> sends it on.</summary>
    private sealed class DrainedBuffer(Stream output) : Stream
    {
        private readonly MemoryStream _pending = new();
        private long _position;

        public async Task DrainAsync(CancellationToken cancellationToken)
        {
            if (_pending.Length == 0) return;
            await output.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken).ConfigureAwait(false);
            _pending.SetLength(0);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _pending.Write(buffer);
            _position += buffer.Length;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>A name that stays one member name when joined with '/'.</summary>
    public static bool IsSafeName(string name) => name.Length > 0 && name is not ("." or "..") && !name.Contains('/') && !name.Contains('\0');

    private static string EntryName(string path) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(path));

    // zip's DOS times cover 1980-2107
    private static readonly DateTimeOffset Earliest = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(2107, 12, 31, 0, 0, 0, TimeSpan.Zero);

    private const int UnixRegular = 0x8000, UnixDirectory = 0x4000, UnixSymlink = 0xA000;

    private sealed class ZipVisitor(Repository repository, ZipArchive zip, DrainedBuffer buffer) : ITreeVisitor
    {
        public bool ShouldEnter(in TreeWalkEntry directory) => IsSafeName(directory.Node.Name);

        public async ValueTask<TreeWalkAction> VisitAsync(TreeWalkEntry item, CancellationToken cancellationToken)
        {
            var node = item.Node;
            if (!IsSafeName(node.Name)) return TreeWalkAction.Continue;
            var name = EntryName(item.Path[1..]);
            int type;
            switch (node.Type)
            {
                case NodeType.Dir: type = UnixDirectory; name += "/"; break;
                case NodeType.File: type = UnixRegular; break;
                case NodeType.Symlink: type = UnixSymlink; break;
                default: return TreeWalkAction.Continue;
            }
            // files compressed quickly (media is mostly compressed already); a directory or a link's target stored
            var entry = zip.CreateEntry(name, node.Type == NodeType.File ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
            var time = node.ModTime.ToDateTimeOffset();
            entry.LastWriteTime = time < Earliest ? Earliest : time > Latest ? Latest : time;
            entry.ExternalAttributes = (int)((uint)(type | (int)(GoFileMode.ToPosixPermissions(node.Mode) & 0xFFF)) << 16);
            using (var content = entry.Open())
            {
                if (node.Type == NodeType.File)
                {
                    await using var source = new FileContentStream(repository, node, item.Path);
                    var piece = new byte[81920];
                    int read;
                    while ((read = await source.ReadAsync(piece, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        content.Write(piece, 0, read);
                        await buffer.DrainAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                else if (node.Type == NodeType.Symlink)
                {
                    content.Write(Encoding.UTF8.GetBytes(EntryName(node.LinkTarget ?? "")));
                }
            }
            // the entry's end (the rest of its deflate stream, its data descriptor)
            await buffer.DrainAsync(cancellationToken).ConfigureAwait(false);
            item.ThrowIfUnreadable();
            return TreeWalkAction.Continue;
        }
    }
}
