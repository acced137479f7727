using System.Buffers;
using System.Text.Json;

namespace Lifeboat.Engine.Model;

/// <summary>A restic tree blob: {"nodes":[...]} plus a newline, nodes sorted by raw name bytes with unique names.</summary>
public sealed class Tree
{
    public List<Node> Nodes { get; }

    public Tree() => Nodes = [];
    public Tree(IEnumerable<Node> nodes) => Nodes = [.. nodes];

    /// <summary>
    /// Set by Parse when the blob is byte for byte what ToJson writes for the nodes as parsed (what restic and Lifeboat
    /// write), so that a tree with nodes writing the same JSON (Node.WritesSameJson) has the parsed blob's ID without
    /// being written and hashed. Conservative: false for anything unusual (xattrs, unknown members, escapes, spacing).
    /// </summary>
    public bool IsCanonical { get; private set; }

    /// <summary>Go's string order: byte-wise over the raw name bytes.</summary>
    public static int CompareNames(Node a, Node b) => a.NameBytes.AsSpan().SequenceCompareTo(b.NameBytes);

    /// <summary>
    /// Parses a tree blob leniently, as Go's json.Unmarshal would (unknown members, any key case, whitespace, escapes),
    /// and also raw invalid UTF-8 inside strings, which is kept byte for byte. Node order is kept as stored.
    /// </summary>
    public static Tree Parse(ReadOnlySpan<byte> json)
    {
        var reader = JsonInput.Start(json, "tree");
        var tree = new Tree();
        // Whitespace: Go writes none but the final newline, and raw tabs or newlines cannot be inside JSON strings;
        // spaces can, so those inside strings are counted as they are read and compared with all of them.
        var check = new Node.CanonicalCheck
        {
            Failed = !json.StartsWith("{\"nodes\":["u8) || !json.EndsWith("]}\n"u8) || json.IndexOfAny((byte)'\t', (byte)'\r') >= 0
                || json.Count((byte)'\n') != 1,
        };
        int members = 0;
        try
        {
            if (reader.TokenType == JsonTokenType.Null) { JsonInput.End(ref reader); return tree; }
            JsonInput.Expect(ref reader, JsonTokenType.StartObject, "tree");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (++members > 1) check.Failed = true; // the first is "nodes" (checked above), so this one is not needed
                var key = reader.ValueIsEscaped ? JsonInput.Unescape(reader.ValueSpan) : reader.ValueSpan;
                if (!JsonInput.KeyIs(key, "nodes"u8)) { reader.Read(); reader.Skip(); continue; }
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) { tree.Nodes.Clear(); continue; }
                JsonInput.Expect(ref reader, JsonTokenType.StartArray, "nodes");
                tree.Nodes.Clear();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.Null)
                        throw new JsonInput.FieldException($"node {tree.Nodes.Count} is null");
                    try
                    {
                        var node = Node.Read(ref reader, json, ref check);
                        // ToJson sorts: only a sorted tree without duplicates is written back as stored
                        if (tree.Nodes.Count > 0 && CompareNames(tree.Nodes[^1], node) >= 0) check.Failed = true;
                        tree.Nodes.Add(node);
                    }
                    catch (JsonInput.FieldException e)
                    {
                        throw new JsonInput.FieldException($"node {tree.Nodes.Count}: {e.Message}");
                    }
                }
            }
            JsonInput.End(ref reader);
        }
        catch (Exception e) when (e is JsonException or JsonInput.FieldException)
        {
            throw new InvalidDataException($"tree JSON: {e.Message}", e);
        }
        tree.IsCanonical = !check.Failed && members == 1 && check.SpacesInStrings == json.Count((byte)' ');
        return tree;
    }

    /// <summary>Sorts the nodes by raw name bytes (what restic requires) and rejects duplicate names.</summary>
    public void Sort()
    {
        Nodes.Sort(CompareNames);
        for (int i = 1; i < Nodes.Count; i++)
            if (CompareNames(Nodes[i - 1], Nodes[i]) == 0)
                throw new InvalidOperationException($"duplicate name \"{GoQuote.Quote(Nodes[i].Name)}\" in tree");
    }

    /// <summary>
    /// The tree blob restic 0.14 writes for these nodes, byte for byte, trailing newline included. Sorts Nodes in place
    /// first; duplicate names throw InvalidOperationException.
    /// </summary>
    public byte[] ToJson()
    {
        var w = new ArrayBufferWriter<byte>(64 + 400 * Nodes.Count);
        WriteJson(w);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>As ToJson, into a caller's buffer.</summary>
    public void WriteJson(IBufferWriter<byte> w)
    {
        Sort();
        w.Write("{\"nodes\":["u8);
        for (int i = 0; i < Nodes.Count; i++)
        {
            if (i > 0) GoJson.WriteByte(w, (byte)',');
            Nodes[i].WriteJson(w);
        }
        w.Write("]}\n"u8);
    }

    /// <summary>Binary search by raw name bytes, as restic's Tree.Find; the nodes must be sorted (as stored, or after Sort).</summary>
    public Node? Find(string name)
    {
        var key = FsNames.ToBytes(name);
        int lo = 0, hi = Nodes.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = Nodes[mid].NameBytes.AsSpan().SequenceCompareTo(key);
            if (c == 0) return Nodes[mid];
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return null;
    }
}
