using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Lifeboat.Engine;

/// <summary>
/// A restic ID: 32 bytes, usually the SHA-256 of some content, written as 64 lowercase hex digits.
/// Held as four longs so that an index entry stays a small unmanaged struct.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct Id : IEquatable<Id>, IComparable<Id>
{
    public const int Size = 32;
    private readonly ulong _a, _b, _c, _d; // big-endian words: comparing them in order is comparing the bytes

    public Id(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size) throw new ArgumentException("an ID is 32 bytes", nameof(bytes));
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    public static Id Zero => default;
    public bool IsZero => (_a | _b | _c | _d) == 0;

    public static Id Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> h = stackalloc byte[Size];
        SHA256.HashData(data, h);
        return new Id(h);
    }

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public byte[] ToArray()
    {
        var b = new byte[Size];
        CopyTo(b);
        return b;
    }

    public static Id Parse(string hex) =>
        TryParse(hex, out var id) ? id : throw new FormatException($"invalid ID \"{hex}\": want 64 hex digits");

    public static bool TryParse(ReadOnlySpan<char> hex, out Id id)
    {
        id = default;
        if (hex.Length != 2 * Size) return false;
        Span<byte> b = stackalloc byte[Size];
        if (Convert.FromHexString(hex, b, out _, out int written) != System.Buffers.OperationStatus.Done || written != Size) return false;
        id = new Id(b);
        return true;
    }

    /// <summary>Parses a UTF-8 hex ID straight from JSON bytes without allocating.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Hex, out Id id)
    {
        id = default;
        if (utf8Hex.Length != 2 * Size) return false;
        Span<char> c = stackalloc char[2 * Size];
        for (int i = 0; i < c.Length; i++) c[i] = (char)utf8Hex[i];
        return TryParse(c, out id);
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[Size];
        CopyTo(b);
        return Convert.ToHexStringLower(b);
    }

    /// <summary>The first 8 hex digits, as restic prints IDs.</summary>
    public string ToShortString() => ToString()[..8];

    public bool Equals(Id other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;
    public override bool Equals(object? obj) => obj is Id other && Equals(other);
    // The bytes are uniformly random (SHA-256), so any word is a good hash.
    public override int GetHashCode() => (int)(_a ^ (_a >> 32));
    public ulong Prefix64 => _a;
    public int CompareTo(Id other)
    {
        int c = _a.CompareTo(other._a);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        if (c != 0) return c;
        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    public static bool operator ==(Id left, Id right) => left.Equals(right);
    public static bool operator !=(Id left, Id right) => !left.Equals(right);
    public static bool operator <(Id left, Id right) => left.CompareTo(right) < 0;
    public static bool operator >(Id left, Id right) => left.CompareTo(right) > 0;
    public static bool operator <=(Id left, Id right) => left.CompareTo(right) <= 0;
    public static bool operator >=(Id left, Id right) => left.CompareTo(right) >= 0;
}
