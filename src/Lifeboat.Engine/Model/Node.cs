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
        JsonInput.Expect(ref r, JsonTokenType.StartObject, "node");
        var node = new Node();
        byte[]? linkTargetRaw = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var key = r.ValueIsEscaped ? JsonInput.Unescape(r.ValueSpan) : r.ValueSpan;
            if (JsonInput.KeyIs(key, "name"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.Null) continue;
                JsonInput.Expect(ref r, JsonTokenType.String, "name");
                var quoted = JsonInput.GetBytes(ref r);
                if (!GoQuote.TryUnquote(quoted, out var raw, out string? error))
                    throw new JsonInput.FieldException($"\"name\": cannot unquote \"{FsNames.FromBytes(quoted)}\": {error}");
                node._name = FsNames.FromBytes(raw);
                node._nameBytes = raw;
            }
            else if (JsonInput.KeyIs(key, "type"u8)) { r.Read(); node.Type = Interned(JsonInput.GetOptionalString(ref r, "type", node.Type)!); }
            else if (JsonInput.KeyIs(key, "mode"u8)) { r.Read(); node.Mode = JsonInput.GetUInt32(ref r, "mode", node.Mode); }
            else if (JsonInput.KeyIs(key, "mtime"u8)) { r.Read(); node.ModTime = JsonInput.GetTime(ref r, "mtime", node.ModTime); }
            else if (JsonInput.KeyIs(key, "atime"u8)) { r.Read(); node.AccessTime = JsonInput.GetTime(ref r, "atime", node.AccessTime); }
            else if (JsonInput.KeyIs(key, "ctime"u8)) { r.Read(); node.ChangeTime = JsonInput.GetTime(ref r, "ctime", node.ChangeTime); }
            else if (JsonInput.KeyIs(key, "uid"u8)) { r.Read(); node.Uid = JsonInput.GetUInt32(ref r, "uid", node.Uid); }
            else if (JsonInput.KeyIs(key, "gid"u8)) { r.Read(); node.Gid = JsonInput.GetUInt32(ref r, "gid", node.Gid); }
            else if (JsonInput.KeyIs(key, "user"u8)) { r.Read(); node.User = InternedOrNull(JsonInput.GetOptionalString(ref r, "user", node.User)); }
            else if (JsonInput.KeyIs(key, "group"u8)) { r.Read(); node.Group = InternedOrNull(JsonInput.GetOptionalString(ref r, "group", node.Group)); }
            else if (JsonInput.KeyIs(key, "inode"u8)) { r.Read(); node.Inode = JsonInput.GetUInt64(ref r, "inode", node.Inode); }
            else if (JsonInput.KeyIs(key, "device_id"u8)) { r.Read(); node.DeviceId = JsonInput.GetUInt64(ref r, "device_id", node.DeviceId); }
            else if (JsonInput.KeyIs(key, "size"u8)) { r.Read(); node.Size = JsonInput.GetUInt64(ref r, "size", node.Size); }
            else if (JsonInput.KeyIs(key, "links"u8)) { r.Read(); node.Links = JsonInput.GetUInt64(ref r, "links", node.Links); }
            else if (JsonInput.KeyIs(key, "linktarget"u8)) { r.Read(); node.LinkTarget = JsonInput.GetOptionalString(ref r, "linktarget", node.LinkTarget); }
            else if (JsonInput.KeyIs(key, "linktarget_raw"u8))
            {
                r.Read();
                linkTargetRaw = JsonInput.GetBase64(ref r, "linktarget_raw") ?? linkTargetRaw;
            }
            else if (JsonInput.KeyIs(key, "extended_attributes"u8)) { r.Read(); node.ExtendedAttributes = ReadExtendedAttributes(ref r); }
            else if (JsonInput.KeyIs(key, "device"u8)) { r.Read(); node.Device = JsonInput.GetUInt64(ref r, "device", node.Device); }
            else if (JsonInput.KeyIs(key, "content"u8)) { r.Read(); node.Content = JsonInput.GetIds(ref r, "content"); }
            else if (JsonInput.KeyIs(key, "subtree"u8)) { r.Read(); node.Subtree = JsonInput.GetOptionalId(ref r, "subtree"); }
            else if (JsonInput.KeyIs(key, "error"u8)) { r.Read(); node.Error = JsonInput.GetOptionalString(ref r, "error", node.Error); }
            else (node.ExtraFields ??= []).Add(JsonInput.CaptureUnknown(ref r, json));
        }
        JsonInput.Expect(ref r, JsonTokenType.EndObject, "node");
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
