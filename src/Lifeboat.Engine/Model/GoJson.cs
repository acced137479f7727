using System.Buffers;
using System.Globalization;
using System.Text;

namespace Lifeboat.Engine.Model;

/// <summary>
/// Go encoding/json output rules (go1.19, json.Marshal defaults), written byte by byte so that the JSON restic's
/// structures produce can be reproduced exactly: System.Text.Json escapes differently and would change tree IDs.
/// </summary>
public static class GoJson
{
    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    // ASCII bytes Go writes unescaped with HTML escaping on: printable, minus " \ < > &.
    private static readonly SearchValues<byte> NeedsWork = SearchValues.Create(BuildNeedsWork());

    private static byte[] BuildNeedsWork()
    {
        var list = new List<byte>();
        for (int b = 0; b < 256; b++)
            if (b < 0x20 || b >= 0x80 || b is '"' or '\\' or '<' or '>' or '&') list.Add((byte)b);
        return list.ToArray();
    }

    private static readonly SearchValues<byte> AsciiNeedsWork = SearchValues.Create(BuildNeedsWork().Where(b => b < 0x80).ToArray());

    /// <summary>True when WriteString writes these bytes unchanged between its quotes (no escape, no U+FFFD).</summary>
    public static bool IsVerbatim(ReadOnlySpan<byte> s)
    {
        int first = s.IndexOfAny(NeedsWork);
        if (first < 0) return true;
        s = s[first..];
        return s.IndexOfAny(AsciiNeedsWork) < 0 && System.Text.Unicode.Utf8.IsValid(s)
            && s.IndexOf("\u2028"u8) < 0 && s.IndexOf("\u2029"u8) < 0;
    }

    /// <summary>
    /// Writes a JSON string ("..." included) as Go does: \" \\ \n \r \t, other control bytes as \u00xx, &lt; &gt; &amp; as
    /// \u003c \u003e \u0026, U+2028/U+2029 escaped, each invalid UTF-8 byte as \ufffd, everything else raw.
    /// </summary>
    public static void WriteString(IBufferWriter<byte> output, ReadOnlySpan<byte> utf8OrRawBytes)
    {
        var s = utf8OrRawBytes;
        WriteByte(output, (byte)'"');
        int start = 0;
        int i = 0;
        while (i < s.Length)
        {
            int skip = s[i..].IndexOfAny(NeedsWork);
            if (skip < 0) break;
            i += skip;
            byte b = s[i];
            if (b < 0x80)
            {
                output.Write(s[start..i]);
                switch (b)
                {
                    case (byte)'"': output.Write("\\\""u8); break;
                    case (byte)'\\': output.Write("\\\\"u8); break;
                    case (byte)'\n': output.Write("\\n"u8); break;
                    case (byte)'\r': output.Write("\\r"u8); break;
                    case (byte)'\t': output.Write("\\t"u8); break;
                    default:
                        Span<byte> esc = [(byte)'\\', (byte)'u', (byte)'0', (byte)'0', Hex[b >> 4], Hex[b & 0xF]];
                        output.Write(esc);
                        break;
                }
                i++;
                start = i;
                continue;
            }
            var status = Rune.DecodeFromUtf8(s[i..], out var rune, out int consumed);
            if (status != OperationStatus.Done)
            {
                // Go's utf8.DecodeRune reports each byte of an invalid sequence separately.
                output.Write(s[start..i]);
                output.Write("\\ufffd"u8);
                i++;
                start = i;
                continue;
            }
            if (rune.Value is 0x2028 or 0x2029)
            {
                output.Write(s[start..i]);
                output.Write(rune.Value == 0x2028 ? "\\u2028"u8 : "\\u2029"u8);
                i += consumed;
                start = i;
                continue;
            }
            i += consumed;
        }
        output.Write(s[start..]);
        WriteByte(output, (byte)'"');
    }

    /// <summary>Writes a surrogateescape string as a Go JSON string (escaped raw bytes become \ufffd, as Go writes invalid UTF-8).</summary>
    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        if (value.Length <= 256 && !FsNames.HasEscapes(value))
        {
            Span<byte> tmp = stackalloc byte[value.Length * 3];
            int n = Encoding.UTF8.GetBytes(value, tmp);
            WriteString(output, tmp[..n]);
        }
        else WriteString(output, FsNames.ToBytes(value));
    }

    internal static void WriteByte(IBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }

    public static void WriteNumber(IBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out int n, default, CultureInfo.InvariantCulture);
        output.Advance(n);
    }

    public static void WriteNumber(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out int n, default, CultureInfo.InvariantCulture);
        output.Advance(n);
    }

    /// <summary>A time as Go marshals time.Time (after restic's FixTime), quoted.</summary>
    public static void WriteTime(IBufferWriter<byte> output, GoTime time)
    {
        var span = output.GetSpan(GoTime.MaxFormattedLength + 2);
        span[0] = (byte)'"';
        int n = time.FormatUtf8(span[1..]);
        span[n + 1] = (byte)'"';
        output.Advance(n + 2);
    }

    /// <summary>An ID as restic marshals it: 64 lowercase hex digits, quoted.</summary>
    public static void WriteId(IBufferWriter<byte> output, Id id)
    {
        Span<byte> raw = stackalloc byte[Id.Size];
        id.CopyTo(raw);
        var span = output.GetSpan(2 * Id.Size + 2);
        span[0] = (byte)'"';
        for (int i = 0; i < Id.Size; i++)
        {
            span[1 + 2 * i] = Hex[raw[i] >> 4];
            span[2 + 2 * i] = Hex[raw[i] & 0xF];
        }
        span[2 * Id.Size + 1] = (byte)'"';
        output.Advance(2 * Id.Size + 2);
    }

    /// <summary>A list of IDs; null writes JSON null as Go does for a nil slice.</summary>
    public static void WriteIds(IBufferWriter<byte> output, IReadOnlyList<Id>? ids)
    {
        if (ids is null) { output.Write("null"u8); return; }
        WriteByte(output, (byte)'[');
        for (int i = 0; i < ids.Count; i++)
        {
            if (i > 0) WriteByte(output, (byte)',');
            WriteId(output, ids[i]);
        }
        WriteByte(output, (byte)']');
    }

    /// <summary>A []byte as Go marshals it: standard padded base64, quoted.</summary>
    public static void WriteBase64(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        int len = System.Buffers.Text.Base64.GetMaxEncodedToUtf8Length(data.Length);
        var span = output.GetSpan(len + 2);
        span[0] = (byte)'"';
        System.Buffers.Text.Base64.EncodeToUtf8(data, span[1..], out _, out int written);
        span[written + 1] = (byte)'"';
        output.Advance(written + 2);
    }

    /// <summary>A list of strings; null writes JSON null.</summary>
    public static void WriteStrings(IBufferWriter<byte> output, IReadOnlyList<string>? values)
    {
        if (values is null) { output.Write("null"u8); return; }
        WriteByte(output, (byte)'[');
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) WriteByte(output, (byte)',');
            WriteString(output, values[i]);
        }
        WriteByte(output, (byte)']');
    }

    /// <summary>
    /// Raw JSON as Go re-marshals a json.RawMessage: insignificant whitespace removed and, inside strings, &lt; &gt; &amp;
    /// U+2028 U+2029 escaped. The input must be one valid JSON value.
    /// </summary>
    public static void WriteCompact(IBufferWriter<byte> output, ReadOnlySpan<byte> rawJson)
    {
        bool inString = false;
        int start = 0;
        for (int i = 0; i < rawJson.Length; i++)
        {
            byte b = rawJson[i];
            if (inString)
            {
                ReadOnlySpan<byte> replacement = default;
                int width = 1;
                if (b == '\\') { i++; continue; }
                if (b == '"') { inString = false; continue; }
                if (b == '<') replacement = "\\u003c"u8;
                else if (b == '>') replacement = "\\u003e"u8;
                else if (b == '&') replacement = "\\u0026"u8;
                else if (b == 0xE2 && i + 2 < rawJson.Length && rawJson[i + 1] == 0x80 && rawJson[i + 2] is 0xA8 or 0xA9)
                {
                    replacement = rawJson[i + 2] == 0xA8 ? "\\u2028"u8 : "\\u2029"u8;
                    width = 3;
                }
                if (replacement.IsEmpty) continue;
                output.Write(rawJson[start..i]);
                output.Write(replacement);
                i += width - 1;
                start = i + 1;
            }
            else if (b == '"') inString = true;
            else if (b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                output.Write(rawJson[start..i]);
                start = i + 1;
            }
        }
        output.Write(rawJson[start..]);
    }
}
