using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lifeboat.Engine.Crypto;

/// <summary>
/// Poly1305 one-time authenticator with 64-bit limbs (h = h2:h1:h0, r = r1:r0), the layout Go's
/// x/crypto uses. Written by hand because BouncyCastle's runs at about a third of this speed.
/// A mutable struct so a MAC can be fed in pieces (Seal MACs each encrypted batch while it is still in cache).
/// </summary>
internal struct Poly1305
{
    public const int TagSize = 16;
    public const int KeySize = 32;

    private readonly ulong _r0, _r1, _s0, _s1;
    private ulong _h0, _h1, _h2;

    /// <param name="r">16 bytes; clamped here, so pre-clamped input is fine.</param>
    /// <param name="s">16 bytes added to the result (for Poly1305-AES this is AES_k(nonce)).</param>
    public Poly1305(ReadOnlySpan<byte> r, ReadOnlySpan<byte> s)
    {
        _r0 = BinaryPrimitives.ReadUInt64LittleEndian(r) & 0x0FFFFFFC0FFFFFFFUL;
        _r1 = BinaryPrimitives.ReadUInt64LittleEndian(r[8..]) & 0x0FFFFFFC0FFFFFFCUL;
        _s0 = BinaryPrimitives.ReadUInt64LittleEndian(s);
        _s1 = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);
        _h0 = _h1 = _h2 = 0;
    }

    /// <summary>Absorbs whole 16-byte blocks; <paramref name="blocks"/>.Length must be a multiple of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void UpdateBlocks(ReadOnlySpan<byte> blocks)
    {
        ulong h0 = _h0, h1 = _h1, h2 = _h2;
        ulong r0 = _r0, r1 = _r1;
        ref byte m = ref MemoryMarshal.GetReference(blocks);
        nuint count = (nuint)(blocks.Length >> 4);
        for (nuint i = 0; i < count; i++)
        {
            ulong m0 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref m, (nint)(i * 16)));
            ulong m1 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref m, (nint)(i * 16 + 8)));
            if (!BitConverter.IsLittleEndian) { m0 = BinaryPrimitives.ReverseEndianness(m0); m1 = BinaryPrimitives.ReverseEndianness(m1); }
            AddAndMultiply(ref h0, ref h1, ref h2, m0, m1, 1, r0, r1);
        }
        _h0 = h0; _h1 = h1; _h2 = h2;
    }

    /// <summary>Absorbs the final partial block (0..15 bytes) and writes the tag. The struct is spent afterwards.</summary>
    public void Finish(ReadOnlySpan<byte> tail, Span<byte> tag)
    {
        ulong h0 = _h0, h1 = _h1, h2 = _h2;
        if (tail.Length > 0)
        {
            // A short last block is padded with a single 1 byte instead of the implicit 2^128 bit.
            Span<byte> last = stackalloc byte[16];
            last.Clear();
            tail.CopyTo(last);
            last[tail.Length] = 1;
            AddAndMultiply(ref h0, ref h1, ref h2,
                BinaryPrimitives.ReadUInt64LittleEndian(last), BinaryPrimitives.ReadUInt64LittleEndian(last[8..]), 0, _r0, _r1);
        }

        // Final reduction: subtract p = 2^130 - 5 if h >= p, selected without branches.
        ulong t0 = h0 - 0xFFFFFFFFFFFFFFFBUL;
        ulong borrow = (ulong)(h0 < 0xFFFFFFFFFFFFFFFBUL ? 1 : 0);
        ulong t1 = h1 - 0xFFFFFFFFFFFFFFFFUL - borrow;
        borrow = (ulong)((h1 < 0xFFFFFFFFFFFFFFFFUL || (h1 == 0xFFFFFFFFFFFFFFFFUL && borrow == 1)) ? 1 : 0);
        ulong t2 = h2 - 3 - borrow;
        ulong keepH = 0UL - (t2 >> 63); // all ones when h < p (the subtraction went negative)
        h0 = (h0 & keepH) | (t0 & ~keepH);
        h1 = (h1 & keepH) | (t1 & ~keepH);

        ulong o0 = h0 + _s0;
        ulong carry = o0 < h0 ? 1UL : 0UL;
        ulong o1 = h1 + _s1 + carry;
        BinaryPrimitives.WriteUInt64LittleEndian(tag, o0);
        BinaryPrimitives.WriteUInt64LittleEndian(tag[8..], o1);
    }

    public static void Compute(ReadOnlySpan<byte> r, ReadOnlySpan<byte> s, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        var mac = new Poly1305(r, s);
        int whole = message.Length & ~15;
        mac.UpdateBlocks(message[..whole]);
        mac.Finish(message[whole..], tag);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddAndMultiply(ref ulong h0, ref ulong h1, ref ulong h2, ulong m0, ulong m1, ulong highBit, ulong r0, ulong r1)
    {
        // h += m (with the 2^128 bit for full blocks)
        ulong a0 = h0 + m0;
        ulong c = a0 < h0 ? 1UL : 0UL;
        ulong a1 = h1 + m1;
        ulong c1 = a1 < h1 ? 1UL : 0UL;
        a1 += c;
        c1 |= a1 < c ? 1UL : 0UL;
        ulong a2 = h2 + c1 + highBit;

        // h * r; a2 is at most 7 and r's limbs are below 2^60, so a2*r fits in 64 bits.
        ulong p00hi = Math.BigMul(a0, r0, out ulong p00lo);
        ulong p10hi = Math.BigMul(a1, r0, out ulong p10lo);
        ulong p01hi = Math.BigMul(a0, r1, out ulong p01lo);
        ulong p11hi = Math.BigMul(a1, r1, out ulong p11lo);
        ulong p20 = a2 * r0;
        ulong p21 = a2 * r1;

        // column sums: m1 = p10 + p01, m2 = p11 + p20 (128-bit), m3 = p21
        ulong m1lo = p10lo + p01lo;
        ulong m1hi = p10hi + p01hi + (m1lo < p10lo ? 1UL : 0UL);
        ulong m2lo = p11lo + p20;
        ulong m2hi = p11hi + (m2lo < p11lo ? 1UL : 0UL);

        ulong t0 = p00lo;
        ulong t1 = p00hi + m1lo;
        c = t1 < p00hi ? 1UL : 0UL;
        ulong t2 = m1hi + m2lo;
        ulong cc = t2 < m1hi ? 1UL : 0UL;
        t2 += c;
        cc += t2 < c ? 1UL : 0UL;
        ulong t3 = m2hi + p21 + cc;

        // reduce modulo 2^130 - 5: the part above 2^130 (= t3:t2 & ~3, scaled by 4) is added once whole and once /4, i.e. times 5
        h0 = t0; h1 = t1; h2 = t2 & 3;
        ulong k0 = t2 & ~3UL, k1 = t3;
        ulong s0 = h0 + k0;
        c = s0 < h0 ? 1UL : 0UL;
        ulong s1 = h1 + k1;
        ulong cb = s1 < h1 ? 1UL : 0UL;
        s1 += c;
        cb += s1 < c ? 1UL : 0UL;
        h2 += cb;
        k0 = (k0 >> 2) | (k1 << 62);
        k1 >>= 2;
        h0 = s0 + k0;
        c = h0 < s0 ? 1UL : 0UL;
        h1 = s1 + k1;
        cb = h1 < s1 ? 1UL : 0UL;
        h1 += c;
        cb += h1 < c ? 1UL : 0UL;
        h2 += cb;
    }
}
