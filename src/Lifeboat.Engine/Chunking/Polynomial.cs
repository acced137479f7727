using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;

namespace Lifeboat.Engine.Chunking;

/// <summary>
/// A polynomial over GF(2), bit i = coefficient of x^i: restic/chunker's Pol. The repository config stores the
/// chunker's polynomial as lowercase hex without "0x".
/// </summary>
public readonly struct Polynomial : IEquatable<Polynomial>
{
    private const int RandomMaxTries = 1_000_000;

    public Polynomial(ulong value) => Value = value;

    public ulong Value { get; }

    /// <summary>Bit length − 1; −1 for the zero polynomial.</summary>
    public int Degree => 63 - BitOperations.LeadingZeroCount(Value);

    /// <summary>Ben-Or's test, as restic/chunker: gcd(f, x^(2^i) − x mod f) = 1 for i = 1 .. deg/2.</summary>
    public bool IsIrreducible()
    {
        ulong f = Value;
        int degree = Degree;
        for (int i = 1; i <= degree / 2; i++)
            if (Gcd(f, XToTheTwoToTheIMinusX(i, f)) != 1) return false;
        return true;
    }

    /// <summary>restic's RandomPolynomial: a degree-53 irreducible polynomial drawn from a CSPRNG.</summary>
    public static Polynomial Random()
    {
        Span<byte> bytes = stackalloc byte[8];
        for (int i = 0; i < RandomMaxTries; i++)
        {
            RandomNumberGenerator.Fill(bytes);
            ulong f = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            f &= (1UL << 54) - 1;
            f |= (1UL << 53) | 1;
            var candidate = new Polynomial(f);
            if (candidate.IsIrreducible()) return candidate;
        }
        throw new InvalidOperationException("unable to find a new random irreducible polynomial");
    }

    public static Polynomial Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        ReadOnlySpan<char> digits = hex.AsSpan().Trim();
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) digits = digits[2..];
        if (digits.IsEmpty || !ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value))
            throw new FormatException($"'{hex}' is not a hexadecimal chunker polynomial");
        return new Polynomial(value);
    }

    public override string ToString() => Value.ToString("x", CultureInfo.InvariantCulture);

    public bool Equals(Polynomial other) => Value == other.Value;
    public override bool Equals(object? obj) => obj is Polynomial other && Equals(other);
    public override int GetHashCode() => Value.GetHashCode();
    public static bool operator ==(Polynomial left, Polynomial right) => left.Equals(right);
    public static bool operator !=(Polynomial left, Polynomial right) => !left.Equals(right);

    // ---- GF(2)[x] arithmetic on raw values, as restic/chunker's polynomials.go ----

    internal static int DegreeOf(ulong x) => 63 - BitOperations.LeadingZeroCount(x);

    /// <summary>x mod d by schoolbook long division.</summary>
    internal static ulong Mod(ulong x, ulong d)
    {
        if (d == 0) throw new DivideByZeroException("division by zero polynomial");
        int degreeD = DegreeOf(d);
        for (int degreeX = DegreeOf(x); degreeX >= degreeD; degreeX = DegreeOf(x))
            x ^= d << (degreeX - degreeD);
        return x;
    }

    internal static ulong Gcd(ulong x, ulong f)
    {
        while (true)
        {
            if (f == 0) return x;
            if (x == 0) return f;
            if (DegreeOf(x) < DegreeOf(f)) (x, f) = (f, x);
            (x, f) = (f, Mod(x, f));
        }
    }

    /// <summary>x·f mod g by shift-and-add, reducing after each doubling (restic's MulMod).</summary>
    internal static ulong MulMod(ulong x, ulong f, ulong g)
    {
        if (x == 0 || f == 0) return 0;
        ulong result = 0;
        ulong a = Mod(x, g);
        for (int i = 0; i <= DegreeOf(f); i++)
        {
            if ((f & (1UL << i)) != 0) result = Mod(result ^ a, g);
            a = Mod(a << 1, g);
        }
        return result;
    }

    /// <summary>(x^(2^p) − x) mod g: start from x and square p times.</summary>
    private static ulong XToTheTwoToTheIMinusX(int p, ulong g)
    {
        ulong result = 2;
        for (int i = 0; i < p; i++) result = MulMod(result, result, g);
        return Mod(result ^ 2, g);
    }
}
