using System.Text;

namespace Lifeboat.Engine;

/// <summary>
/// File names and paths on Linux are bytes, not text. The engine carries them as .NET strings in which
/// valid UTF-8 is decoded normally and every byte that is not part of valid UTF-8 becomes the lone
/// surrogate U+DC00+byte (Python's "surrogateescape"). The mapping is lossless both ways, so any name a
/// file system or a restic repository holds survives a round trip through the engine.
/// All file system calls go through <see cref="ToBytes(string)"/>; never hand such a string to System.IO.
/// </summary>
public static class FsNames
{
    private const char EscapeBase = '\uDC00';

    /// <summary>
    /// A name a directory can hold: not empty, not "." or "..", without '/' or NUL. A repository's tree may hold any
    /// string; only such a name becomes a path component (restore) or a member name (dump), so nothing escapes.
    /// </summary>
    public static bool IsSafeName(string name) => name.Length > 0 && name != "." && name != ".." && !name.Contains('/') && !name.Contains('\0');

    public static string FromBytes(ReadOnlySpan<byte> bytes)
    {
        // Fast path: pure ASCII, or valid UTF-8 that contains no surrogate-range code points.
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        var sb = new StringBuilder(bytes.Length);
        int i = 0;
        while (i < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes[i..], out var rune, out int consumed);
            if (status == System.Buffers.OperationStatus.Done)
            {
                sb.Append(rune.ToString());
                i += consumed;
            }
            else
            {
                sb.Append((char)(EscapeBase + bytes[i]));
                i++;
            }
        }
        return sb.ToString();
    }

    public static byte[] ToBytes(string name)
    {
        if (!HasEscapes(name)) return Encoding.UTF8.GetBytes(name);
        var buffer = new List<byte>(name.Length + 8);
        Span<byte> tmp = stackalloc byte[4];
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                int n = new Rune(c, name[i + 1]).EncodeToUtf8(tmp);
                for (int k = 0; k < n; k++) buffer.Add(tmp[k]);
                i++;
            }
            else if (c >= 0xDC80 && c <= 0xDCFF)
            {
                buffer.Add((byte)(c - EscapeBase));
            }
            else
            {
                // Lone surrogates outside the escape range cannot come from bytes; encode as replacement.
                var r = char.IsSurrogate(c) ? Rune.ReplacementChar : new Rune(c);
                int n = r.EncodeToUtf8(tmp);
                for (int k = 0; k < n; k++) buffer.Add(tmp[k]);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Null-terminated bytes for a POSIX call.</summary>
    public static byte[] ToNullTerminated(string path)
    {
        var b = ToBytes(path);
        if (b.AsSpan().IndexOf((byte)0) >= 0) throw new ArgumentException("a path cannot contain a NUL byte");
        var z = new byte[b.Length + 1];
        b.CopyTo(z, 0);
        return z;
    }

    public static bool HasEscapes(string name)
    {
        foreach (char c in name)
            if (char.IsSurrogate(c)) return true;
        return false;
    }

    /// <summary>True when the name is valid UTF-8 on disk (no escaped bytes).</summary>
    public static bool IsValidUtf8(string name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c >= 0xDC80 && c <= 0xDCFF && (i == 0 || !char.IsHighSurrogate(name[i - 1]))) return false;
        }
        return true;
    }

    /// <summary>Go's string order: byte-wise over the raw bytes (which is not UTF-16 ordinal order).</summary>
    public static int Compare(string a, string b) => ByteComparer.Instance.Compare(a, b);

    public sealed class ByteComparer : IComparer<string>
    {
        public static readonly ByteComparer Instance = new();
        public int Compare(string? x, string? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            // Without surrogates (escaped bytes or characters beyond the BMP), UTF-16 ordinal order is UTF-8 byte order.
            if (!HasEscapes(x) && !HasEscapes(y)) return Math.Sign(string.CompareOrdinal(x, y));
            return ToBytes(x).AsSpan().SequenceCompareTo(ToBytes(y));
        }
    }

    /// <summary>Joins POSIX path parts with '/'.</summary>
    public static string Join(string dir, string name) =>
        dir.Length == 0 ? name : dir.EndsWith('/') ? dir + name : dir + "/" + name;
}
