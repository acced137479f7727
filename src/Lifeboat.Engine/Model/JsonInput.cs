using System.Text;
using System.Text.Json;

namespace Lifeboat.Engine.Model;

/// <summary>
/// Reading helpers on top of Utf8JsonReader with Go's decoding rules. Utf8JsonReader checks the JSON structure but
/// does not validate UTF-8 inside strings, so strings are unescaped here from their raw bytes: raw invalid UTF-8 that
/// some writer left in a string is kept byte for byte (carried as surrogateescape), where Go would make it U+FFFD.
/// </summary>
internal static class JsonInput
{
    public static readonly JsonReaderOptions Options = new() { MaxDepth = 512 };

    /// <summary>Exception type readers throw; Parse methods turn it into InvalidDataException with context.</summary>
    public sealed class FieldException(string message) : Exception(message);

    public static Utf8JsonReader Start(ReadOnlySpan<byte> json, string what)
    {
        var reader = new Utf8JsonReader(json, Options);
        try
        {
            if (reader.Read()) return reader;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{what} JSON: {e.Message}", e);
        }
        throw new InvalidDataException($"{what} JSON is empty");
    }

    /// <summary>Checks only whitespace follows the top-level value (Go's json.Unmarshal rejects anything else).</summary>
    public static void End(ref Utf8JsonReader reader)
    {
        if (reader.Read()) throw new JsonException($"unexpected {reader.TokenType} after the top-level value");
    }

    public static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string field)
    {
        if (reader.TokenType != type) throw new FieldException($"\"{field}\": expected {type}, found {reader.TokenType}");
    }

    /// <summary>Bytes of the current string or property name token, with JSON escapes decoded as Go decodes them.</summary>
    public static byte[] GetBytes(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        return reader.ValueIsEscaped ? Unescape(raw) : raw.ToArray();
    }

    /// <summary>The current string token as a surrogateescape string.</summary>
    public static string GetString(ref Utf8JsonReader reader, string field)
    {
        Expect(ref reader, JsonTokenType.String, field);
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped && System.Text.Unicode.Utf8.IsValid(raw)) return Encoding.UTF8.GetString(raw);
        return FsNames.FromBytes(reader.ValueIsEscaped ? Unescape(raw) : raw);
    }

    /// <summary>A string field where JSON null leaves the value unchanged, as in Go.</summary>
    public static string? GetOptionalString(ref Utf8JsonReader reader, string field, string? current) =>
        reader.TokenType == JsonTokenType.Null ? current : GetString(ref reader, field);

    public static ulong GetUInt64(ref Utf8JsonReader reader, string field, ulong current)
    {
        if (reader.TokenType == JsonTokenType.Null) return current;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong v))
            throw new FieldException($"\"{field}\": expected an unsigned 64-bit integer");
        return v;
    }

    public static uint GetUInt32(ref Utf8JsonReader reader, string field, uint current)
    {
        if (reader.TokenType == JsonTokenType.Null) return current;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt32(out uint v))
            throw new FieldException($"\"{field}\": expected an unsigned 32-bit integer");
        return v;
    }

    public static long GetInt64(ref Utf8JsonReader reader, string field, long current)
    {
        if (reader.TokenType == JsonTokenType.Null) return current;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v))
            throw new FieldException($"\"{field}\": expected a 64-bit integer");
        return v;
    }

    public static GoTime GetTime(ref Utf8JsonReader reader, string field, GoTime current)
    {
        if (reader.TokenType == JsonTokenType.Null) return current;
        Expect(ref reader, JsonTokenType.String, field);
        var raw = reader.ValueIsEscaped ? Unescape(reader.ValueSpan) : reader.ValueSpan;
        if (!GoTime.TryParseUtf8(raw, out var t))
            throw new FieldException($"\"{field}\": invalid RFC 3339 time \"{Encoding.UTF8.GetString(raw)}\"");
        return t;
    }

    public static Id GetId(ref Utf8JsonReader reader, string field)
    {
        Expect(ref reader, JsonTokenType.String, field);
        var raw = reader.ValueIsEscaped ? Unescape(reader.ValueSpan) : reader.ValueSpan;
        if (!Id.TryParse(raw, out var id))
            throw new FieldException($"\"{field}\": invalid ID \"{Encoding.UTF8.GetString(raw)}\"");
        return id;
    }

    /// <summary>An ID pointer field: null gives null.</summary>
    public static Id? GetOptionalId(ref Utf8JsonReader reader, string field) =>
        reader.TokenType == JsonTokenType.Null ? null : GetId(ref reader, field);

    /// <summary>An IDs slice: null gives null, [] an empty list.</summary>
    public static List<Id>? GetIds(ref Utf8JsonReader reader, string field)
    {
        bool ignored = false;
        return GetIds(ref reader, field, ref ignored);
    }

    /// <summary>As GetIds; sets notCanonical when an ID is not written as Go writes it (escaped, or upper-case hex).</summary>
    public static List<Id>? GetIds(ref Utf8JsonReader reader, string field, ref bool notCanonical)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartArray, field);
        var list = new List<Id>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || !IsLowerHex(reader.ValueSpan)) notCanonical = true;
            list.Add(GetId(ref reader, field));
        }
        return list;
    }

    private static readonly System.Buffers.SearchValues<byte> s_lowerHex = System.Buffers.SearchValues.Create("0123456789abcdef"u8);

    /// <summary>Only the digits Go writes in hex IDs (Id.TryParse also takes upper case).</summary>
    public static bool IsLowerHex(ReadOnlySpan<byte> text) => text.IndexOfAnyExcept(s_lowerHex) < 0;

    /// <summary>A []string: null gives null.</summary>
    public static List<string>? GetStrings(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartArray, field);
        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            list.Add(reader.TokenType == JsonTokenType.Null ? "" : GetString(ref reader, field));
        return list;
    }

    /// <summary>A []byte: standard base64 (Go also skips \r and \n inside it); null gives null.</summary>
    public static byte[]? GetBase64(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.String, field);
        var raw = reader.ValueIsEscaped ? Unescape(reader.ValueSpan) : reader.ValueSpan.ToArray();
        try
        {
            return Convert.FromBase64String(Encoding.ASCII.GetString(raw));
        }
        catch (FormatException)
        {
            throw new FieldException($"\"{field}\": invalid base64");
        }
    }

    /// <summary>
    /// Captures the value of an unknown member (the reader is on its property name) and moves past it.
    /// </summary>
    public static RawJsonField CaptureUnknown(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        string name = FsNames.FromBytes(GetBytes(ref reader));
        reader.Read();
        int start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        int end = (int)reader.BytesConsumed;
        return new RawJsonField(name, json[start..end].ToArray());
    }

    /// <summary>
    /// Go's key matching: a JSON key matches a field name case-insensitively (bytes.EqualFold), including the two
    /// non-ASCII folds of ASCII letters, U+212A KELVIN SIGN for k and U+017F LONG S for s. fieldName is lowercase ASCII.
    /// </summary>
    public static bool KeyIs(ReadOnlySpan<byte> key, ReadOnlySpan<byte> fieldName)
    {
        if (key.Length == fieldName.Length)
        {
            for (int i = 0; i < key.Length; i++)
            {
                byte k = key[i], f = fieldName[i];
                if (k != f && !((uint)(f - 'a') <= 'z' - 'a' && (k | 0x20) == f)) return false;
            }
            return true;
        }
        if (key.Length < fieldName.Length) return false;
        int p = 0;
        foreach (byte f in fieldName)
        {
            if (p >= key.Length) return false;
            byte k = key[p];
            if (k == f || ((uint)(f - 'a') <= 'z' - 'a' && (k | 0x20) == f)) { p++; continue; }
            if (f == 'k' && key[p..].StartsWith("\u212A"u8)) { p += 3; continue; }
            if (f == 's' && key[p..].StartsWith("\u017F"u8)) { p += 2; continue; }
            return false;
        }
        return p == key.Length;
    }

    /// <summary>Decodes JSON string escapes as Go's encoding/json does (a lone or mismatched surrogate escape becomes U+FFFD).</summary>
    public static byte[] Unescape(ReadOnlySpan<byte> s)
    {
        var output = new byte[s.Length]; // unescaping never grows the text
        int w = 0, i = 0;
        while (i < s.Length)
        {
            int next = s[i..].IndexOf((byte)'\\');
            if (next < 0)
            {
                s[i..].CopyTo(output.AsSpan(w));
                w += s.Length - i;
                break;
            }
            s.Slice(i, next).CopyTo(output.AsSpan(w));
            w += next;
            i += next;
            if (i + 1 >= s.Length) throw new JsonException("truncated escape in string");
            byte e = s[i + 1];
            i += 2;
            switch (e)
            {
                case (byte)'"': output[w++] = (byte)'"'; break;
                case (byte)'\\': output[w++] = (byte)'\\'; break;
                case (byte)'/': output[w++] = (byte)'/'; break;
                case (byte)'b': output[w++] = 0x08; break;
                case (byte)'f': output[w++] = 0x0C; break;
                case (byte)'n': output[w++] = 0x0A; break;
                case (byte)'r': output[w++] = 0x0D; break;
                case (byte)'t': output[w++] = 0x09; break;
                case (byte)'u':
                {
                    int r = Hex4(s, i);
                    i += 4;
                    if (r is >= 0xD800 and <= 0xDFFF)
                    {
                        if (r <= 0xDBFF && i + 6 <= s.Length && s[i] == '\\' && s[i + 1] == 'u')
                        {
                            int low = Hex4(s, i + 2);
                            if (low is >= 0xDC00 and <= 0xDFFF)
                            {
                                r = 0x10000 + ((r - 0xD800) << 10) + (low - 0xDC00);
                                i += 6;
                                w += new Rune(r).EncodeToUtf8(output.AsSpan(w));
                                break;
                            }
                        }
                        r = 0xFFFD;
                    }
                    w += new Rune(r).EncodeToUtf8(output.AsSpan(w));
                    break;
                }
                default: throw new JsonException($"invalid escape \\{(char)e} in string");
            }
        }
        return w == output.Length ? output : output.AsSpan(0, w).ToArray();
    }

    private static int Hex4(ReadOnlySpan<byte> s, int at)
    {
        if (at + 4 > s.Length) throw new JsonException("truncated \\u escape");
        int v = 0;
        for (int k = 0; k < 4; k++)
        {
            byte b = s[at + k];
            int d = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => throw new JsonException("bad hex digit in \\u escape"),
            };
            v = (v << 4) | d;
        }
        return v;
    }
}
