using System.Buffers;
using System.Text.Json;

namespace Lifeboat.Engine.Repository;

/// <summary>
/// An index file's JSON: which blobs each pack holds. Read with a streaming reader (no object per blob);
/// accepts the old array format, case-insensitive keys and unknown fields, as restic does.
/// </summary>
public sealed class IndexFile
{
    public List<Id> Supersedes { get; } = [];
    public List<(Id PackId, List<PackedBlob> Blobs)> Packs { get; } = [];
    public bool IsOldFormat { get; private set; }
    private Action<Id, List<PackedBlob>>? _onPack;

    public int BlobCount => Packs.Sum(p => p.Blobs.Count);

    public static IndexFile Parse(ReadOnlySpan<byte> json, string name) => Parse(json, name, null);

    /// <summary>
    /// Parses, handing each pack to <paramref name="onPack"/> (which may keep the list) instead of collecting them in
    /// <see cref="Packs"/>: loading a large index then never holds a second copy of all its blobs.
    /// </summary>
    public static IndexFile Parse(ReadOnlySpan<byte> json, string name, Action<Id, List<PackedBlob>>? onPack)
    {
        var index = new IndexFile { _onPack = onPack };
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                index.IsOldFormat = true;
                ReadPacks(ref reader, index);
            }
            else if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (Read(ref reader) == JsonTokenType.PropertyName)
                {
                    if (Is(ref reader, "packs"u8))
                    {
                        if (Read(ref reader) == JsonTokenType.Null) continue;
                        Expect(ref reader, JsonTokenType.StartArray);
                        ReadPacks(ref reader, index);
                    }
                    else if (Is(ref reader, "supersedes"u8))
                    {
                        if (Read(ref reader) == JsonTokenType.Null) continue;
                        Expect(ref reader, JsonTokenType.StartArray);
                        while (Read(ref reader) == JsonTokenType.String) index.Supersedes.Add(ReadId(ref reader));
                    }
                    else
                    {
                        Read(ref reader);
                        reader.Skip();
                    }
                }
            }
            else throw new JsonException("want an object or an array");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new RepositoryException(RepositoryErrorKind.Damaged, $"index {name} cannot be decoded: {e.Message}");
        }
        return index;
    }

    private static JsonTokenType Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("unexpected end of JSON");
        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type) throw new JsonException($"want {type}, found {reader.TokenType}");
    }

    private static bool Is(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.ValueTextEquals(name)) return true;
        var actual = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
        return System.Text.Ascii.EqualsIgnoreCase(actual, name);
    }

    private static Id ReadId(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.String);
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && Id.TryParse(reader.ValueSpan, out var id)) return id;
        return Id.Parse(reader.GetString()!);
    }

    private static void ReadPacks(ref Utf8JsonReader reader, IndexFile index)
    {
        while (Read(ref reader) == JsonTokenType.StartObject)
        {
            Id packId = default;
            bool havePackId = false;
            var blobs = new List<PackedBlob>();
            while (Read(ref reader) == JsonTokenType.PropertyName)
            {
                if (Is(ref reader, "id"u8)) { Read(ref reader); packId = ReadId(ref reader); havePackId = true; }
                else if (Is(ref reader, "blobs"u8))
                {
                    if (Read(ref reader) == JsonTokenType.Null) continue;
                    Expect(ref reader, JsonTokenType.StartArray);
                    while (Read(ref reader) == JsonTokenType.StartObject) blobs.Add(ReadBlob(ref reader));
                }
                else { Read(ref reader); reader.Skip(); }
            }
            if (!havePackId) throw new JsonException("a pack has no id");
            if (index._onPack is { } onPack) onPack(packId, blobs);
            else index.Packs.Add((packId, blobs));
        }
        Expect(ref reader, JsonTokenType.EndArray);
    }

    private static PackedBlob ReadBlob(ref Utf8JsonReader reader)
    {
        Id id = default;
        BlobType type = default;
        bool haveId = false, haveType = false;
        uint offset = 0, length = 0, uncompressed = 0;
        while (Read(ref reader) == JsonTokenType.PropertyName)
        {
            if (Is(ref reader, "id"u8)) { Read(ref reader); id = ReadId(ref reader); haveId = true; }
            else if (Is(ref reader, "type"u8))
            {
                Read(ref reader);
                if (!BlobTypeNames.TryParse(reader.ValueSpan, out type)) throw new JsonException($"unknown blob type \"{reader.GetString()}\"");
                haveType = true;
            }
            else if (Is(ref reader, "offset"u8)) { Read(ref reader); offset = reader.GetUInt32(); }
            else if (Is(ref reader, "length"u8)) { Read(ref reader); length = reader.GetUInt32(); }
            else if (Is(ref reader, "uncompressed_length"u8)) { Read(ref reader); uncompressed = reader.GetUInt32(); }
            else { Read(ref reader); reader.Skip(); }
        }
        if (!haveId || !haveType) throw new JsonException("a blob lacks its id or type");
        return new PackedBlob(id, type, offset, length, uncompressed);
    }

    /// <summary>restic's index JSON (json.Encoder: compact, ending in a newline).</summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(EstimatedJsonLength);
        WriteJson(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>About what <see cref="WriteJson"/> writes (restic's entries take 130-150 bytes a blob).</summary>
    public int EstimatedJsonLength => (int)Math.Min(Array.MaxLength, 64 + BlobCount * 150L);

    /// <summary>restic's index JSON into <paramref name="buffer"/>, without the copy <see cref="ToJson"/> makes.</summary>
    public void WriteJson(IBufferWriter<byte> buffer)
    {
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (Supersedes.Count > 0)
            {
                w.WriteStartArray("supersedes");
                foreach (var id in Supersedes) w.WriteStringValue(id.ToString());
                w.WriteEndArray();
            }
            w.WriteStartArray("packs");
            foreach (var (packId, blobs) in Packs)
            {
                w.WriteStartObject();
                w.WriteString("id", packId.ToString());
                w.WriteStartArray("blobs");
                foreach (var b in blobs)
                {
                    w.WriteStartObject();
                    w.WriteString("id", b.Id.ToString());
                    w.WriteString("type", b.Type.ToJson());
                    w.WriteNumber("offset", b.Offset);
                    w.WriteNumber("length", b.Length);
                    if (b.UncompressedLength != 0) w.WriteNumber("uncompressed_length", b.UncompressedLength);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
    }
}
