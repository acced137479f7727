using System.Buffers;
using System.Text.Json;

namespace Lifeboat.Engine.Model;

/// <summary>A restic snapshot file's JSON (restic 0.14 fields, plus program_version and summary from newer restic).</summary>
public sealed class Snapshot
{
    public GoTime Time { get; set; }
    public Id? Parent { get; set; }
    /// <summary>The root tree. Id.Zero when the JSON had none ("tree":null), which restic cannot restore.</summary>
    public Id Tree { get; set; }
    /// <summary>No omitempty in restic: null is written as "paths":null.</summary>
    public List<string>? Paths { get; set; }
    public string? Hostname { get; set; }
    public string? Username { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public List<string>? Excludes { get; set; }
    public List<string>? Tags { get; set; }
    /// <summary>Set when the snapshot was rewritten (e.g. tags changed): the ID of the first version.</summary>
    public Id? Original { get; set; }
    /// <summary>restic 0.16+; written only when set.</summary>
    public string? ProgramVersion { get; set; }
    /// <summary>restic 0.17+; written only when set.</summary>
    public SnapshotSummary? Summary { get; set; }
    public List<RawJsonField>? ExtraFields { get; set; }

    /// <summary>The snapshot file's ID; not part of the JSON, set by whoever loaded or saved it.</summary>
    public Id Id { get; set; }

    public bool HasTag(string tag) => Tags is not null && Tags.Contains(tag, StringComparer.Ordinal);

    public override string ToString() => $"snapshot {Id.ToShortString()} of {string.Join(" ", Paths ?? [])} at {Time}";

    /// <summary>json.Marshal(snapshot): compact, no trailing newline, restic's field order.</summary>
    public byte[] ToJson()
    {
        var w = new ArrayBufferWriter<byte>(512);
        WriteJson(w);
        return w.WrittenSpan.ToArray();
    }

    public void WriteJson(IBufferWriter<byte> w)
    {
        w.Write("{\"time\":"u8);
        GoJson.WriteTime(w, Time);
        if (Parent is { } parent)
        {
            w.Write(",\"parent\":"u8);
            GoJson.WriteId(w, parent);
        }
        w.Write(",\"tree\":"u8);
        if (Tree.IsZero) w.Write("null"u8);
        else GoJson.WriteId(w, Tree);
        w.Write(",\"paths\":"u8);
        GoJson.WriteStrings(w, Paths);
        if (!string.IsNullOrEmpty(Hostname)) { w.Write(",\"hostname\":"u8); GoJson.WriteString(w, Hostname); }
        if (!string.IsNullOrEmpty(Username)) { w.Write(",\"username\":"u8); GoJson.WriteString(w, Username); }
        if (Uid != 0) { w.Write(",\"uid\":"u8); GoJson.WriteNumber(w, Uid); }
        if (Gid != 0) { w.Write(",\"gid\":"u8); GoJson.WriteNumber(w, Gid); }
        if (Excludes is { Count: > 0 }) { w.Write(",\"excludes\":"u8); GoJson.WriteStrings(w, Excludes); }
        if (Tags is { Count: > 0 }) { w.Write(",\"tags\":"u8); GoJson.WriteStrings(w, Tags); }
        if (Original is { } original) { w.Write(",\"original\":"u8); GoJson.WriteId(w, original); }
        if (!string.IsNullOrEmpty(ProgramVersion)) { w.Write(",\"program_version\":"u8); GoJson.WriteString(w, ProgramVersion); }
        if (Summary is not null) { w.Write(",\"summary\":"u8); Summary.WriteJson(w); }
        if (ExtraFields is not null)
            foreach (var f in ExtraFields) Node.WriteExtra(w, f);
        GoJson.WriteByte(w, (byte)'}');
    }

    /// <summary>Parses leniently: unknown members kept, any key case, whitespace and a trailing newline (older restic) allowed.</summary>
    public static Snapshot Parse(ReadOnlySpan<byte> json)
    {
        var r = JsonInput.Start(json, "snapshot");
        var s = new Snapshot();
        try
        {
            JsonInput.Expect(ref r, JsonTokenType.StartObject, "snapshot");
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var key = r.ValueIsEscaped ? JsonInput.Unescape(r.ValueSpan) : r.ValueSpan;
                if (JsonInput.KeyIs(key, "time"u8)) { r.Read(); s.Time = JsonInput.GetTime(ref r, "time", s.Time); }
                else if (JsonInput.KeyIs(key, "parent"u8)) { r.Read(); s.Parent = JsonInput.GetOptionalId(ref r, "parent"); }
                else if (JsonInput.KeyIs(key, "tree"u8)) { r.Read(); s.Tree = JsonInput.GetOptionalId(ref r, "tree") ?? Id.Zero; }
                else if (JsonInput.KeyIs(key, "paths"u8)) { r.Read(); s.Paths = JsonInput.GetStrings(ref r, "paths"); }
                else if (JsonInput.KeyIs(key, "hostname"u8)) { r.Read(); s.Hostname = JsonInput.GetOptionalString(ref r, "hostname", s.Hostname); }
                else if (JsonInput.KeyIs(key, "username"u8)) { r.Read(); s.Username = JsonInput.GetOptionalString(ref r, "username", s.Username); }
                else if (JsonInput.KeyIs(key, "uid"u8)) { r.Read(); s.Uid = JsonInput.GetUInt32(ref r, "uid", s.Uid); }
                else if (JsonInput.KeyIs(key, "gid"u8)) { r.Read(); s.Gid = JsonInput.GetUInt32(ref r, "gid", s.Gid); }
                else if (JsonInput.KeyIs(key, "excludes"u8)) { r.Read(); s.Excludes = JsonInput.GetStrings(ref r, "excludes"); }
                else if (JsonInput.KeyIs(key, "tags"u8)) { r.Read(); s.Tags = JsonInput.GetStrings(ref r, "tags"); }
                else if (JsonInput.KeyIs(key, "original"u8)) { r.Read(); s.Original = JsonInput.GetOptionalId(ref r, "original"); }
                else if (JsonInput.KeyIs(key, "program_version"u8)) { r.Read(); s.ProgramVersion = JsonInput.GetOptionalString(ref r, "program_version", s.ProgramVersion); }
                else if (JsonInput.KeyIs(key, "summary"u8)) { r.Read(); s.Summary = SnapshotSummary.Read(ref r, json); }
                else (s.ExtraFields ??= []).Add(JsonInput.CaptureUnknown(ref r, json));
            }
            JsonInput.End(ref r);
        }
        catch (Exception e) when (e is JsonException or JsonInput.FieldException)
        {
            throw new InvalidDataException($"snapshot JSON: {e.Message}", e);
        }
        return s;
    }
}
