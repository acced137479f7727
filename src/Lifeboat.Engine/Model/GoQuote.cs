using System.Buffers;
using System.Text;

namespace Lifeboat.Engine.Model;

/// <summary>
/// Go's strconv.Quote / strconv.Unquote (go1.19) over raw name bytes, without the outer quotes. restic stores every node
/// name this way inside the JSON string, so a name with a backslash is stored with two.
/// </summary>
public static class GoQuote
{
    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    // Bytes that a name needs quoting work for: anything outside printable ASCII, plus " and \.
    private static readonly SearchValues<byte> NeedsWork = SearchValues.Create(BuildNeedsWork());

    private static byte[] BuildNeedsWork()
    {
        var list = new List<byte>();
        for (int b = 0; b < 256; b++)
            if (b < 0x20 || b >= 0x7F || b is '"' or '\\') list.Add((byte)b);
        return list.ToArray();
    }

    /// <summary>strconv.Quote(name) without the quotes. Input is a surrogateescape string; invalid bytes become \xNN.</summary>
    public static string Quote(string name)
    {
        var bytes = FsNames.ToBytes(name);
        if (bytes.AsSpan().IndexOfAny(NeedsWork) < 0) return name;
        var w = new ArrayBufferWriter<byte>(bytes.Length + 16);
        AppendQuoted(w, bytes);
        return Encoding.UTF8.GetString(w.WrittenSpan); // quoted text is always valid UTF-8
    }

    /// <summary>True when quoting leaves the bytes unchanged (the common case), so no copy is needed.</summary>
    internal static bool IsQuoteIdentity(ReadOnlySpan<byte> raw) => raw.IndexOfAny(NeedsWork) < 0;

    /// <summary>Appends strconv.Quote(raw) without the surrounding quotes.</summary>
    public static void AppendQuoted(IBufferWriter<byte> output, ReadOnlySpan<byte> raw)
    {
        int start = 0, i = 0;
        Span<byte> tmp = stackalloc byte[10];
        while (i < raw.Length)
        {
            int skip = raw[i..].IndexOfAny(NeedsWork);
            if (skip < 0) break;
            i += skip;
            output.Write(raw[start..i]);
            byte b = raw[i];
            int width = 1;
            int r = b;
            if (b >= 0x80)
            {
                if (Rune.DecodeFromUtf8(raw[i..], out var rune, out int consumed) != OperationStatus.Done)
                {
                    // Each byte of invalid UTF-8 is written as \xNN, as Go's DecodeRuneInString yields width 1.
                    tmp[0] = (byte)'\\'; tmp[1] = (byte)'x'; tmp[2] = Hex[b >> 4]; tmp[3] = Hex[b & 0xF];
                    output.Write(tmp[..4]);
                    i++;
                    start = i;
                    continue;
                }
                r = rune.Value;
                width = consumed;
            }
            if (r is '"' or '\\')
            {
                tmp[0] = (byte)'\\'; tmp[1] = (byte)r;
                output.Write(tmp[..2]);
            }
            else if (IsPrint(r))
            {
                output.Write(raw.Slice(i, width));
            }
            else
            {
                int n = 0;
                tmp[n++] = (byte)'\\';
                switch (r)
                {
                    case 0x07: tmp[n++] = (byte)'a'; break;
                    case 0x08: tmp[n++] = (byte)'b'; break;
                    case 0x0C: tmp[n++] = (byte)'f'; break;
                    case 0x0A: tmp[n++] = (byte)'n'; break;
                    case 0x0D: tmp[n++] = (byte)'r'; break;
                    case 0x09: tmp[n++] = (byte)'t'; break;
                    case 0x0B: tmp[n++] = (byte)'v'; break;
                    default:
                        if (r < 0x20 || r == 0x7F)
                        {
                            tmp[n++] = (byte)'x'; tmp[n++] = Hex[r >> 4]; tmp[n++] = Hex[r & 0xF];
                        }
                        else
                        {
                            int digits = r < 0x10000 ? 4 : 8;
                            tmp[n++] = digits == 4 ? (byte)'u' : (byte)'U';
                            for (int k = digits - 1; k >= 0; k--) tmp[n++] = Hex[(r >> (4 * k)) & 0xF];
                        }
                        break;
                }
                output.Write(tmp[..n]);
            }
            i += width;
            start = i;
        }
        output.Write(raw[start..]);
    }

    /// <summary>Go's strconv.IsPrint as of go1.19 (Unicode 13.0): L, M, N, P, S and the ASCII space.</summary>
    public static bool IsPrint(int codePoint)
    {
        if (codePoint <= 0xFF)
        {
            if (codePoint is >= 0x20 and <= 0x7E) return true;
            return codePoint is >= 0xA1 and <= 0xFF && codePoint != 0xAD;
        }
        return GoPrintableTable.Contains(codePoint);
    }

    /// <summary>strconv.Unquote("\"" + quoted + "\"") to a surrogateescape string; \xNN bytes that are not valid UTF-8 stay raw bytes.</summary>
    public static string Unquote(string quoted)
    {
        var bytes = FsNames.ToBytes(quoted);
        return TryUnquote(bytes, out var raw, out string? error)
            ? FsNames.FromBytes(raw)
            : throw new FormatException($"cannot unquote \"{quoted}\": {error}");
    }

    /// <summary>
    /// Unquotes Go-quoted bytes. Raw bytes that are not valid UTF-8 are kept as they are (Go would turn them into
    /// U+FFFD when the string also holds an escape), so no byte a writer put there is lost.
    /// </summary>
    public static bool TryUnquote(ReadOnlySpan<byte> quoted, out byte[] raw, out string? error)
    {
        error = null;
        int firstSpecial = quoted.IndexOfAny((byte)'\\', (byte)'"', (byte)'\n');
        if (firstSpecial < 0)
        {
            raw = quoted.ToArray();
            return true;
        }
        var output = new byte[quoted.Length]; // unquoting never grows the text
        quoted[..firstSpecial].CopyTo(output);
        int w = firstSpecial, i = firstSpecial;
        raw = [];
        while (i < quoted.Length)
        {
            byte c = quoted[i];
            if (c == '"') { error = "unescaped '\"'"; return false; }
            if (c == '\n') { error = "unescaped newline"; return false; }
            if (c != '\\') { output[w++] = c; i++; continue; }
            if (i + 1 >= quoted.Length) { error = "trailing backslash"; return false; }
            byte e = quoted[i + 1];
            i += 2;
            switch (e)
            {
                case (byte)'a': output[w++] = 0x07; break;
                case (byte)'b': output[w++] = 0x08; break;
                case (byte)'f': output[w++] = 0x0C; break;
                case (byte)'n': output[w++] = 0x0A; break;
                case (byte)'r': output[w++] = 0x0D; break;
                case (byte)'t': output[w++] = 0x09; break;
                case (byte)'v': output[w++] = 0x0B; break;
                case (byte)'\\': output[w++] = (byte)'\\'; break;
                case (byte)'"': output[w++] = (byte)'"'; break;
                case (byte)'x' or (byte)'u' or (byte)'U':
                {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > quoted.Length) { error = $"short \\{(char)e} escape"; return false; }
                    int v = 0;
                    for (int k = 0; k < digits; k++)
                    {
                        int d = HexValue(quoted[i + k]);
                        if (d < 0) { error = $"bad hex digit in \\{(char)e} escape"; return false; }
                        v = (v << 4) | d;
                        if (v > 0x10FFFF) { error = "escape beyond U+10FFFF"; return false; }
                    }
                    i += digits;
                    if (e == 'x') { output[w++] = (byte)v; break; }
                    if (!Rune.IsValid(v)) { error = $"invalid code point U+{v:X4}"; return false; }
                    w += new Rune(v).EncodeToUtf8(output.AsSpan(w));
                    break;
                }
                case >= (byte)'0' and <= (byte)'7':
                {
                    if (i + 2 > quoted.Length) { error = "short octal escape"; return false; }
                    int v = e - '0';
                    for (int k = 0; k < 2; k++)
                    {
                        int d = quoted[i + k] - '0';
                        if (d is < 0 or > 7) { error = "bad octal escape"; return false; }
                        v = v * 8 + d;
                    }
                    if (v > 255) { error = "octal escape above 255"; return false; }
                    i += 2;
                    output[w++] = (byte)v;
                    break;
                }
                default:
                    error = $"unknown escape \\{(char)e}";
                    return false;
            }
        }
        raw = output.AsSpan(0, w).ToArray();
        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
