using System.Buffers;
using System.Text;
using System.Text.Json;
using Lifeboat.Cli.Rendering;
using Lifeboat.Engine;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Model;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// restic 0.14's find output, piece by piece as restic prints it. Text: a block per snapshot of matching paths, or a
/// "Found blob/tree" block per hit. JSON: for patterns one array of {"matches":[...],"hits":N,"snapshot":ID}, for IDs
/// one flat array of {"object_type","id","path","parent_tree","snapshot","time"}; "[]" when nothing matched.
/// </summary>
internal sealed class FindOutput(CommandContext ctx, bool longFormat, bool humanReadable = false)
{
    private readonly TextWriter _out = ctx.Out;
    private bool _arrayOpen;
    private Snapshot? _current;   // the snapshot being searched
    private Snapshot? _printed;   // the snapshot whose block is open
    private int _hits;

    public void BeginSnapshot(Snapshot snapshot) => _current = snapshot;

    public void Pattern(string path, Node node)
    {
        if (ctx.Json)
        {
            OpenArray();
            if (!ReferenceEquals(_current, _printed))
            {
                if (_printed is not null) _out.Write($"],\"hits\":{_hits},\"snapshot\":\"{_printed.Id}\"}},");
                _out.Write("{\"matches\":[");
                _printed = _current;
                _hits = 0;
            }
            if (_hits > 0) _out.Write(',');
            _out.Write(PatternJson(path, node));
            _hits++;
            return;
        }
        if (!ReferenceEquals(_current, _printed))
        {
            if (_printed is not null) ctx.Info("");
            _printed = _current;
            ctx.Info($"Found matching entries in snapshot {_printed!.Id.ToShortString()} from {LocalTime(_printed.Time)}");
        }
        _out.WriteLine(FormatNode(path, node, longFormat, humanReadable));
    }

    public void Object(IdMatch match)
    {
        var kind = match.Kind.ToJson() == "data" ? "blob" : "tree";
        if (ctx.Json)
        {
            OpenArray();
            if (_hits > 0) _out.Write(',');
            var b = new ArrayBufferWriter<byte>();
            Raw(b, "{\"object_type\":");
            GoJson.WriteString(b, kind);
            Raw(b, ",\"id\":");
            GoJson.WriteId(b, match.Id);
            Raw(b, ",\"path\":");
            GoJson.WriteString(b, match.Path);
            if (match.Kind == BlobType.Data)
            {
                Raw(b, ",\"parent_tree\":");
                GoJson.WriteId(b, match.ParentTree);
            }
            Raw(b, ",\"snapshot\":");
            GoJson.WriteId(b, match.Snapshot.Id);
            Raw(b, ",\"time\":");
            GoJson.WriteTime(b, match.Snapshot.Time);
            Raw(b, "}");
            _out.Write(Encoding.UTF8.GetString(b.WrittenSpan));
            _hits++;
            return;
        }
        _out.WriteLine($"Found {kind} {match.Id}");
        if (match.Kind == BlobType.Data)
        {
            _out.WriteLine($" ... in file {Display.Text(match.Path)}");
            _out.WriteLine($"     (tree {match.ParentTree})");
        }
        else _out.WriteLine($" ... path {Display.Text(match.Path)}");
        _out.WriteLine($" ... in snapshot {match.Snapshot.Id.ToShortString()} ({LocalTime(match.Snapshot.Time)})");
    }

    /// <summary>restic prints this on stdout, between the other output, and goes on with the next tree.</summary>
    public void UnreadableTree(Id parentTree, Snapshot snapshot)
    {
        _out.WriteLine($"Unable to load tree {parentTree}");
        _out.WriteLine($" ... which belongs to snapshot {snapshot.Id}");
    }

    public void Finish()
    {
        if (!ctx.Json) return;
        if (_printed is not null) _out.Write($"],\"hits\":{_hits},\"snapshot\":\"{_printed.Id}\"}}");
        _out.WriteLine(_arrayOpen ? "]" : "[]");
    }

    private void OpenArray()
    {
        if (_arrayOpen) return;
        _out.Write('[');
        _arrayOpen = true;
    }

    private static void Raw(ArrayBufferWriter<byte> b, string ascii) => b.Write(Encoding.ASCII.GetBytes(ascii));

    private static string LocalTime(GoTime time) => time.ToDateTimeOffset().ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss");

    /// <summary>
    /// restic's formatNode (find's and ls's): the path, or with --long mode, uid, gid, size and mtime; the size with
    /// --human-readable (restic 0.16) as "1.500 KiB", unpadded as restic prints it.
    /// </summary>
    internal static string FormatNode(string path, Node node, bool longFormat, bool humanReadable = false)
    {
        if (!longFormat) return Display.Text(path);
        var target = node.Type == NodeType.Symlink ? " -> " + Display.Text(node.LinkTarget ?? "") : "";
        var size = humanReadable ? Format.Bytes((long)node.Size) : $"{node.Size,6}";
        return $"{GoFileMode.Format(node.Mode)} {node.Uid,5} {node.Gid,5} {size} {LocalTime(node.ModTime)} {Display.Text(path)}{target}";
    }

    /// <summary>
    /// A match as restic's find --json marshals it: path and permissions, then the node's own fields in its order,
    /// less name, inode, extended_attributes, device, content and subtree (which restic's wrapper hides).
    /// </summary>
    private static string PatternJson(string path, Node node)
    {
        var b = new ArrayBufferWriter<byte>();
        Raw(b, "{\"path\":");
        GoJson.WriteString(b, path);
        Raw(b, ",\"permissions\":");
        GoJson.WriteString(b, GoFileMode.Format(node.Mode));
        var sb = new StringBuilder(Encoding.UTF8.GetString(b.WrittenSpan));
        using var doc = JsonDocument.Parse(node.ToJson());
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name is "name" or "inode" or "extended_attributes" or "device" or "subtree" or "content") continue;
            sb.Append(",\"").Append(p.Name).Append("\":").Append(p.Value.GetRawText());
        }
        return sb.Append('}').ToString();
    }
}
