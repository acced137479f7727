using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine.Model;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// restic 0.15's ls --ncdu: a snapshot as ncdu's JSON export (format 1.2, https://dev.yorhel.nl/ncdu/jsonfmt), laid out
/// as restic writes it: [1, 2, {snapshot}, [{"name":"/"}, then each node on its own line, a directory opening a nested
/// array with its own entry first, two spaces of indent per level. Nodes must come depth first with the directories
/// leading to them; a directory is closed when the next node is not inside it.
/// </summary>
public sealed class NcduExport(TextWriter output)
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Go's os.FileMode bits restic stores, and the POSIX bits ncdu wants for them (inode(7))
    private const uint GoModePerm = 0x1FF, GoSetuid = 1u << 23, GoSetgid = 1u << 22, GoSticky = 1u << 20;

    /// <summary>The paths of the directories whose array is open, innermost last.</summary>
    private readonly Stack<string> _open = new();

    public void Begin(Snapshot snapshot) =>
        output.Write($"[1, 2, {Encoding.UTF8.GetString(snapshot.ToJson())}, [{{\"name\":\"/\"}}");

    public void Node(Node node, string path)
    {
        CloseUntilParentOf(path);
        var entry = Entry(node);
        int depth = _open.Count + 1;
        if (node.Type == NodeType.Dir)
        {
            output.Write($",\n{Indent(depth)}[\n{Indent(depth + 1)}{entry}");
            _open.Push(path);
        }
        else output.Write($",\n{Indent(depth)}{entry}");
    }

    public void End()
    {
        while (_open.Count > 0) Close();
        output.Write("\n]\n]\n");
        output.Flush();
    }

    /// <summary>One node's entry: restic's fields in restic's order, the size on disk rounded up to 512-byte blocks.</summary>
    public static string Entry(Node node)
    {
        const ulong blockSize = 512;
        uint mode = node.Mode & GoModePerm;
        if ((node.Mode & GoSetuid) != 0) mode |= 0x800;
        if ((node.Mode & GoSetgid) != 0) mode |= 0x400;
        if ((node.Mode & GoSticky) != 0) mode |= 0x200;
        // ncdu takes no time before 1970
        long mtime = Math.Max(0, Math.DivRem(node.ModTime.UnixNanoseconds, 1_000_000_000L, out var nanos) - (nanos < 0 ? 1 : 0));
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("name", Display.Text(node.Name));
            w.WriteNumber("asize", node.Size);
            w.WriteNumber("dsize", (node.Size + blockSize - 1) / blockSize * blockSize);
            w.WriteNumber("dev", node.DeviceId);
            w.WriteNumber("ino", node.Inode);
            w.WriteNumber("nlink", node.Links);
            w.WriteBoolean("notreg", node.Type != NodeType.Dir && node.Type != NodeType.File);
            w.WriteNumber("uid", node.Uid);
            w.WriteNumber("gid", node.Gid);
            w.WriteNumber("mode", mode);
            w.WriteNumber("mtime", mtime);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private void CloseUntilParentOf(string path)
    {
        while (_open.TryPeek(out var dir) && !(path.Length > dir.Length && path[dir.Length] == '/' && path.StartsWith(dir, StringComparison.Ordinal)))
            Close();
    }

    private void Close()
    {
        _open.Pop();
        output.Write($"\n{Indent(_open.Count + 1)}]");
    }

    private static string Indent(int depth) => new(' ', 2 * depth);
}
