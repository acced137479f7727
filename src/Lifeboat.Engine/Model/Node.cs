using System.Buffers;
using System.Text.Json;

namespace Lifeboat.Engine.Model;

/// <summary>
/// One entry of a restic tree: all fields of restic 0.14's node, serialized in its struct order, plus what newer
/// restic adds (linktarget_raw is understood; other unknown members are kept and written back).
/// </summary>
public sealed class Node
{
    private string _name = "";
    private byte[]? _nameBytes;

    /// <summary>The name as a surrogateescape string (raw bytes preserved); stored Go-quoted in JSON.</summary>
    public string Name
    {
        get => _name;
        set { _name = value ?? throw new ArgumentNullException(nameof(value)); _nameBytes = null; }
    }

    public string Type { get; set; } = "";
    /// <summary>Go FileMode bits (see GoFileMode), not POSIX st_mode.</summary>
    public uint Mode { get; set; }
    public GoTime ModTime { get; set; }
    public GoTime AccessTime { get; set; }
    public GoTime ChangeTime { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public string? User { get; set; }
    public string? Group { get; set; }
    public ulong Inode { get; set; }
    /// <summary>st_dev of the file system holding the node.</summary>
    public ulong DeviceId { get; set; }
    public ulong Size { get; set; }
    public ulong Links { get; set; }
    /// <summary>Symlink target as a surrogateescape string. Written as linktarget, plus linktarget_raw when not valid UTF-8.</summary>
    public string? LinkTarget { get; set; }
    public List<ExtendedAttribute>? ExtendedAttributes { get; set; }
    /// <summary>st_rdev for device nodes.</summary>
    public ulong Device { get; set; }
    /// <summary>Data blob IDs in file order: null for non-files ("content":null), empty for empty files ("content":[]).</summary>
    public List<Id>? Content { get; set; }
    public Id? Subtree { get; set; }
    public string? Error { get; set; }
    /// <summary>Members this model does not know, in the order read (generic_attributes is written where newer restic puts it).</summary>
    public List<RawJsonField>? ExtraFields { get; set; }

    /// <summary>The raw name bytes, cached: sorting and lookups compare these.</summary>
    // Types, user and group names repeat across every node of a repository: share one string each, so
    // that a loaded tree of 50,000 nodes does not hold 150,000 copies of "file", "root" and "root".
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_interned = new(StringComparer.Ordinal);

    private static string Interned(string value)
    {
        if (s_interned.TryGetValue(value, out var shared)) return shared;
        return s_interned.Count < 4096 ? s_interned.GetOrAdd(value, value) : value;
    }

    private static string? InternedOrNull(string? value) => value is null ? null : Interned(value);

    internal byte[] NameBytes => _nameBytes ??= FsNames.ToBytes(_name);

    public override string ToString() => $"{Type} {GoFileMode.Format(Mode | GoFileMode.TypeBitsOf(Type))} {Name}";

    private static ReadOnlySpan<byte> GenericAttributesKey => "generic_attributes"u8;

    /// <summary>Writes json.Marshal(node) byte for byte as restic 0.14 (Go 1.19) does.</summary>
    public void WriteJson(IBufferWriter<byte> w)
    {
        w.Write("{\"name\":"u8);
        var name = NameBytes;
        if (GoQuote.IsQuoteIdentity(name)) GoJson.WriteString(w, name);
        else
        {
            var quoted = new ArrayBufferWriter<byte>(name.Length * 2 + 8);
            GoQuote.AppendQuoted(quoted, name);
            GoJson.WriteString(w, quoted.WrittenSpan);
        }
        w.Write(",\"type\":"u8);
        GoJson.WriteString(w, Type);
        if (Mode != 0)
        {
            w.Write(",\"mode\":"u8);
            GoJson.WriteNumber(w, Mode);
        }
        // omitempty has no effect on struct types, so the times are always written.
        w.Write(",\"mtime\":"u8);
        GoJson.WriteTime(w, ModTime);
        w.Write(",\"atime\":"u8);
        GoJson.WriteTime(w, AccessTime);
        w.Write(",\"ctime\":"u8);
        GoJson.WriteTime(w, ChangeTime);
        w.Write(",\"uid\":"u8);
        GoJson.WriteNumber(w, Uid);
        w.Write(",\"gid\":"u8);
        GoJson.WriteNumber(w, Gid);
        WriteOptionalString(w, ",\"user\":"u8, User);
        WriteOptionalString(w, ",\"group\":"u8, Group);
        WriteOptionalNumber(w, ",\"inode\":"u8, Inode);
        WriteOptionalNumber(w, ",\"device_id\":"u8, DeviceId);
        WriteOptionalNumber(w, ",\"size\":"u8, Size);
        WriteOptionalNumber(w, ",\"links\":"u8, Links);
        if (!string.IsNullOrEmpty(LinkTarget))
        {
            w.Write(",\"linktarget\":"u8);
            var target = FsNames.ToBytes(LinkTarget);
            GoJson.WriteString(w, target);
            // Newer restic (0.16+) writes the exact bytes too when they are not UTF-8; 0.14 ignores the member.
            if (!System.Text.Unicode.Utf8.IsValid(target))
            {
                w.Write(",\"linktarget_raw\":"u8);
                GoJson.WriteBase64(w, target);
            }
        }
        if (ExtendedAttributes is { Count: > 0 } xattrs)
        {
            w.Write(",\"extended_attributes\":["u8);
            for (int i = 0; i < xattrs.Count; i++)
            {
                if (i > 0) GoJson.WriteByte(w, (byte)',');
                w.Write("{\"name\":"u8);
                GoJson.WriteString(w, xattrs[i].Name);
                w.Write(",\"value\":"u8);
                GoJson.WriteBase64(w, xattrs[i].Value);
                GoJson.WriteByte(w, (byte)'}');
            }
            GoJson.WriteByte(w, (byte)']');
        }
        if (ExtraFields is not null)
            foreach (var f in ExtraFields)
                if (IsGenericAttributes(f)) WriteExtra(w, f);
        WriteOptionalNumber(w, ",\"device\":"u8, Device);
        w.Write(",\"content\":"u8);
        GoJson.WriteIds(w, Content);
        if (Subtree is { } subtree)
        {
            w.Write(",\"subtree\":"u8);
            GoJson.WriteId(w, subtree);
        }
        WriteOptionalString(w, ",\"error\":"u8, Error);
        if (ExtraFields is not null)
            foreach (var f in ExtraFields)
                if (!IsGenericAttributes(f)) WriteExtra(w, f);
        GoJson.WriteByte(w, (byte)'}');
    }

    private static bool IsGenericAttributes(RawJsonField f) => f.Name == "generic_attributes";

    internal static void WriteExtra(IBufferWriter<byte> w, RawJsonField f)
    {
        GoJson.WriteByte(w, (byte)',');
        GoJson.WriteString(w, f.Name);
        GoJson.WriteByte(w, (byte)':');
        GoJson.WriteCompact(w, f.RawJson);
    }

    private static void WriteOptionalString(IBufferWriter<byte> w, ReadOnlySpan<byte> key, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        w.Write(key);
        GoJson.WriteString(w, value);
    }

    private static void WriteOptionalNumber(IBufferWriter<byte> w, ReadOnlySpan<byte> key, ulong value)
    {
        if (value == 0) return;
        w.Write(key);
        GoJson.WriteNumber(w, value);
    }

    /// <summary>
    /// True when WriteJson writes the same bytes for both nodes: every member it writes is equal. A new node (which has
    /// no unknown members) against a node of a canonical parsed tree, so an unchanged directory keeps its tree ID.
    /// </summary>
    public static bool WritesSameJson(Node a, Node b)
    {
        if (!a.NameBytes.AsSpan().SequenceEqual(b.NameBytes)) return false;
        if (a.Type != b.Type || a.Mode != b.Mode || a.ModTime != b.ModTime || a.AccessTime != b.AccessTime
            || a.ChangeTime != b.ChangeTime || a.Uid != b.Uid || a.Gid != b.Gid || a.Inode != b.Inode
            || a.DeviceId != b.DeviceId || a.Size != b.Size || a.Links != b.Links || a.Device != b.Device || a.Subtree != b.Subtree)
            return false;
        if (!SameOptional(a.User, b.User) || !SameOptional(a.Group, b.Group) || !SameOptional(a.LinkTarget, b.LinkTarget)
            || !SameOptional(a.Error, b.Error))
            return false;
        // Nodes with extended attributes or unknown members are never called the same: rare, and a name read back
        // from \ufffd is not the bytes it was written from. Their directories are written and hashed as before.
        if (a.ExtendedAttributes is { Count: > 0 } || b.ExtendedAttributes is { Count: > 0 }) return false;
        if (a.ExtraFields is { Count: > 0 } || b.ExtraFields is { Count: > 0 }) return false;
        if (a.Content is null || b.Content is null) return a.Content is null && b.Content is null;
        return a.Content.Count == b.Content.Count && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(a.Content)
            .SequenceEqual(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(b.Content));
    }

    // null and "" are both left out of the JSON
    private static bool SameOptional(string? a, string? b) => string.IsNullOrEmpty(a) ? string.IsNullOrEmpty(b) : a == b;

    /// <summary>Serializes this node alone (json.Marshal(node)).</summary>
    public byte[] ToJson()
    {
        var w = new ArrayBufferWriter<byte>(512);
        WriteJson(w);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Parses one node object, leniently as Go does (case-insensitive keys, unknown members kept).</summary>
    public static Node Parse(ReadOnlySpan<byte> json)
    {
        var reader = JsonInput.Start(json, "node");
        try
        {
            var node = Read(ref reader, json);
            JsonInput.End(ref reader);
            return node;
        }
        catch (Exception e) when (e is JsonException or JsonInput.FieldException)
        {
            throw new InvalidDataException($"node JSON: {e.Message}", e);
        }
    }

    /// <summary>Reads a node object; the reader is on its StartObject and ends on its EndObject.</summary>
    internal static Node Read(ref Utf8JsonReader r, ReadOnlySpan<byte> json)
    {
        var ignored = new CanonicalCheck();
        return Read(ref r, json, ref ignored);
    }

    /// <summary>
    /// What a reader learns about whether the bytes it read are exactly what WriteJson writes for the nodes read
    /// (Tree.IsCanonical). Conservative: anything unusual (xattrs, unknown members, escapes) counts as not canonical.
    /// </summary>
    internal struct CanonicalCheck
    {
        public bool Failed;
        /// <summary>Spaces inside the string values read: the tree compares it with all its spaces to rule out whitespace.</summary>
        public long SpacesInStrings;
    }

    // The members in WriteJson's order, for a key spelled exactly as Go writes it.
    private static int CanonicalRank(ReadOnlySpan<byte> key)
    {
        switch (key.Length)
        {
            case 3 when key.SequenceEqual("uid"u8): return 6;
            case 3 when key.SequenceEqual("gid"u8): return 7;
            case 4 when key.SequenceEqual("name"u8): return 0;
            case 4 when key.SequenceEqual("type"u8): return 1;
            case 4 when key.SequenceEqual("mode"u8): return 2;
            case 4 when key.SequenceEqual("user"u8): return 8;
            case 4 when key.SequenceEqual("size"u8): return 12;
            case 5 when key.SequenceEqual("mtime"u8): return 3;
            case 5 when key.SequenceEqual("atime"u8): return 4;
            case 5 when key.SequenceEqual("ctime"u8): return 5;
            case 5 when key.SequenceEqual("group"u8): return 9;
            case 5 when key.SequenceEqual("inode"u8): return 10;
            case 5 when key.SequenceEqual("links"u8): return 13;
            case 5 when key.SequenceEqual("error"u8): return 18;
            case 6 when key.SequenceEqual("device"u8): return 15;
            case 7 when key.SequenceEqual("content"u8): return 16;
            case 7 when key.SequenceEqual("subtree"u8): return 17;
            case 9 when key.SequenceEqual("device_id"u8): return 11;
            case 10 when key.SequenceEqual("linktarget"u8): return 14;
            default: return -1; // extended_attributes, linktarget_raw, generic_attributes, unknown: not canonical here
        }
    }

    private const int LinkTargetRawField = 19, ExtendedAttributesField = 20;

    /// <summary>The member a key that is not spelled exactly names, matched as Go matches keys (CanonicalRank's numbers; -1: unknown).</summary>
    private static int FieldOf(ReadOnlySpan<byte> key) =>
        JsonInput.KeyIs(key, "name"u8) ? 0 :
        JsonInput.KeyIs(key, "type"u8) ? 1 :
        JsonInput.KeyIs(key, "mode"u8) ? 2 :
        JsonInput.KeyIs(key, "mtime"u8) ? 3 :
        JsonInput.KeyIs(key, "atime"u8) ? 4 :
        JsonInput.KeyIs(key, "ctime"u8) ? 5 :
        JsonInput.KeyIs(key, "uid"u8) ? 6 :
        JsonInput.KeyIs(key, "gid"u8) ? 7 :
        JsonInput.KeyIs(key, "user"u8) ? 8 :
        JsonInput.KeyIs(key, "group"u8) ? 9 :
        JsonInput.KeyIs(key, "inode"u8) ? 10 :
        JsonInput.KeyIs(key, "device_id"u8) ? 11 :
        JsonInput.KeyIs(key, "size"u8) ? 12 :
        JsonInput.KeyIs(key, "links"u8) ? 13 :
        JsonInput.KeyIs(key, "linktarget"u8) ? 14 :
        JsonInput.KeyIs(key, "linktarget_raw"u8) ? LinkTargetRawField :
        JsonInput.KeyIs(key, "extended_attributes"u8) ? ExtendedAttributesField :
        JsonInput.KeyIs(key, "device"u8) ? 15 :
        JsonInput.KeyIs(key, "content"u8) ? 16 :
        JsonInput.KeyIs(key, "subtree"u8) ? 17 :
        JsonInput.KeyIs(key, "error"u8) ? 18 : -1;

    // name, type, mtime, atime, ctime, uid, gid and content are always written
    private const int RequiredMembers = 1 << 0 | 1 << 1 | 1 << 3 | 1 << 4 | 1 << 5 | 1 << 6 | 1 << 7 | 1 << 16;

    /// <summary>Whether the value the reader is on (a member of rank <paramref name="rank"/>, just read into node) is written back byte for byte.</summary>
    private static bool IsCanonicalValue(ref Utf8JsonReader r, int rank, bool required, Node node, ref CanonicalCheck check)
    {
        switch (rank)
        {
            case 0 or 1 or 8 or 9 or 14 or 18: // strings
            {
                if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped) return false;
                var raw = r.ValueSpan;
                if ((!required && raw.IsEmpty) || !GoJson.IsVerbatim(raw)) return false;
                // a name is Go-quoted inside the JSON string: quoting the name read must give these bytes again
                if (rank == 0 && !GoQuote.IsQuoteIdentity(raw))
                {
                    var quoted = new ArrayBufferWriter<byte>(raw.Length + 16);
                    GoQuote.AppendQuoted(quoted, node.NameBytes);
                    if (!quoted.WrittenSpan.SequenceEqual(raw)) return false;
                }
                check.SpacesInStrings += raw.Count((byte)' ');
                return true;
            }
            case 3 or 4 or 5: // times
            {
                if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped) return false;
                Span<byte> formatted = stackalloc byte[GoTime.MaxFormattedLength];
                var time = rank == 3 ? node.ModTime : rank == 4 ? node.AccessTime : node.ChangeTime;
                return formatted[..time.FormatUtf8(formatted)].SequenceEqual(r.ValueSpan);
            }
            case 16: // content: the IDs were checked as they were read
                return true;
            case 17:
                return r.TokenType == JsonTokenType.String && !r.ValueIsEscaped && JsonInput.IsLowerHex(r.ValueSpan);
            default: // numbers: plain digits (JSON has no leading zeros), and no zero where Go omits it
                return r.TokenType == JsonTokenType.Number && r.ValueSpan.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
                    && (required || !r.ValueSpan.SequenceEqual("0"u8));
        }
    }

    internal static Node Read(ref Utf8JsonReader r, ReadOnlySpan<byte> json, ref CanonicalCheck check)
    {
        JsonInput.Expect(ref r, JsonTokenType.StartObject, "node");
        var node = new Node();
        byte[]? linkTargetRaw = null;
        int lastRank = -1, seen = 0;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            // An exact key (what Go writes) is known by its rank; any other spelling is matched as Go matches it.
            int exact = r.ValueIsEscaped ? -1 : CanonicalRank(r.ValueSpan);
            int rank = -1;
            bool required = false;
            if (!check.Failed)
            {
                rank = exact;
                required = rank >= 0 && (RequiredMembers & 1 << rank) != 0;
                if (rank <= lastRank) check.Failed = true;
                lastRank = rank;
                seen |= 1 << Math.Max(rank, 0);
            }
            int field = exact >= 0 ? exact : FieldOf(r.ValueIsEscaped ? JsonInput.Unescape(r.ValueSpan) : r.ValueSpan);
            switch (field)
            {
                case 0:
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.Null) { check.Failed = true; continue; }
                    JsonInput.Expect(ref r, JsonTokenType.String, "name");
                    var quoted = JsonInput.GetBytes(ref r);
                    if (!GoQuote.TryUnquote(quoted, out var raw, out string? error))
                        throw new JsonInput.FieldException($"\"name\": cannot unquote \"{FsNames.FromBytes(quoted)}\": {error}");
                    node._name = FsNames.FromBytes(raw);
                    node._nameBytes = raw;
                    break;
                }
                case 1: r.Read(); node.Type = Interned(JsonInput.GetOptionalString(ref r, "type", node.Type)!); break;
                case 2: r.Read(); node.Mode = JsonInput.GetUInt32(ref r, "mode", node.Mode); break;
                case 3: r.Read(); node.ModTime = JsonInput.GetTime(ref r, "mtime", node.ModTime); break;
                case 4: r.Read(); node.AccessTime = JsonInput.GetTime(ref r, "atime", node.AccessTime); break;
                case 5: r.Read(); node.ChangeTime = JsonInput.GetTime(ref r, "ctime", node.ChangeTime); break;
                case 6: r.Read(); node.Uid = JsonInput.GetUInt32(ref r, "uid", node.Uid); break;
                case 7: r.Read(); node.Gid = JsonInput.GetUInt32(ref r, "gid", node.Gid); break;
                case 8: r.Read(); node.User = InternedOrNull(JsonInput.GetOptionalString(ref r, "user", node.User)); break;
                case 9: r.Read(); node.Group = InternedOrNull(JsonInput.GetOptionalString(ref r, "group", node.Group)); break;
                case 10: r.Read(); node.Inode = JsonInput.GetUInt64(ref r, "inode", node.Inode); break;
                case 11: r.Read(); node.DeviceId = JsonInput.GetUInt64(ref r, "device_id", node.DeviceId); break;
                case 12: r.Read(); node.Size = JsonInput.GetUInt64(ref r, "size", node.Size); break;
                case 13: r.Read(); node.Links = JsonInput.GetUInt64(ref r, "links", node.Links); break;
                case 14: r.Read(); node.LinkTarget = JsonInput.GetOptionalString(ref r, "linktarget", node.LinkTarget); break;
                case LinkTargetRawField: r.Read(); linkTargetRaw = JsonInput.GetBase64(ref r, "linktarget_raw") ?? linkTargetRaw; break;
                case ExtendedAttributesField: r.Read(); node.ExtendedAttributes = ReadExtendedAttributes(ref r); break;
                case 15: r.Read(); node.Device = JsonInput.GetUInt64(ref r, "device", node.Device); break;
                case 16: r.Read(); node.Content = JsonInput.GetIds(ref r, "content", ref check.Failed); break;
                case 17: r.Read(); node.Subtree = JsonInput.GetOptionalId(ref r, "subtree"); break;
                case 18: r.Read(); node.Error = JsonInput.GetOptionalString(ref r, "error", node.Error); break;
                default: (node.ExtraFields ??= []).Add(JsonInput.CaptureUnknown(ref r, json)); break;
            }
            if (!check.Failed && !IsCanonicalValue(ref r, rank, required, node, ref check)) check.Failed = true;
        }
        JsonInput.Expect(ref r, JsonTokenType.EndObject, "node");
        if ((seen & RequiredMembers) != RequiredMembers) check.Failed = true;
        // As in restic 0.16+: the exact bytes win over the (possibly U+FFFD-mangled) text.
        if (linkTargetRaw is not null) node.LinkTarget = FsNames.FromBytes(linkTargetRaw);
        return node;
    }

    private static List<ExtendedAttribute>? ReadExtendedAttributes(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        JsonInput.Expect(ref r, JsonTokenType.StartArray, "extended_attributes");
        var list = new List<ExtendedAttribute>();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType == JsonTokenType.Null) { list.Add(new ExtendedAttribute("", [])); continue; }
            JsonInput.Expect(ref r, JsonTokenType.StartObject, "extended_attributes");
            string name = "";
            byte[] value = [];
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var key = r.ValueIsEscaped ? JsonInput.Unescape(r.ValueSpan) : r.ValueSpan;
                if (JsonInput.KeyIs(key, "name"u8)) { r.Read(); name = JsonInput.GetOptionalString(ref r, "extended_attributes.name", name)!; }
                else if (JsonInput.KeyIs(key, "value"u8)) { r.Read(); value = JsonInput.GetBase64(ref r, "extended_attributes.value") ?? []; }
                else { r.Read(); r.Skip(); }
            }
            list.Add(new ExtendedAttribute(name, value));
        }
        return list;
    }
}
