using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;
using Sse2 = System.Runtime.Intrinsics.X86.Sse2;

namespace Lifeboat.Engine.Crypto;

/// <summary>
/// AES with the x86 AES-NI instructions: key expansion, single blocks and CTR eight blocks at a time. .NET's
/// Aes.EncryptEcb pays several microseconds per call and tops out near 2 GB/s; this avoids both, and the expanded
/// keys are immutable, so no per-thread cipher objects are needed. Only used when <see cref="IsSupported"/>.
/// </summary>
internal static class AesNi
{
    public static bool IsSupported => X86Aes.IsSupported && Sse2.IsSupported;

    public static Vector128<byte>[] ExpandKey128(ReadOnlySpan<byte> key)
    {
        var k = new Vector128<byte>[11];
        k[0] = Vector128.Create(key[..16]);
        // AESKEYGENASSIST needs its round constant as an immediate, hence the unrolling.
        k[1] = Expand(k[0], Word3(X86Aes.KeygenAssist(k[0], 0x01)));
        k[2] = Expand(k[1], Word3(X86Aes.KeygenAssist(k[1], 0x02)));
        k[3] = Expand(k[2], Word3(X86Aes.KeygenAssist(k[2], 0x04)));
        k[4] = Expand(k[3], Word3(X86Aes.KeygenAssist(k[3], 0x08)));
        k[5] = Expand(k[4], Word3(X86Aes.KeygenAssist(k[4], 0x10)));
        k[6] = Expand(k[5], Word3(X86Aes.KeygenAssist(k[5], 0x20)));
        k[7] = Expand(k[6], Word3(X86Aes.KeygenAssist(k[6], 0x40)));
        k[8] = Expand(k[7], Word3(X86Aes.KeygenAssist(k[7], 0x80)));
        k[9] = Expand(k[8], Word3(X86Aes.KeygenAssist(k[8], 0x1b)));
        k[10] = Expand(k[9], Word3(X86Aes.KeygenAssist(k[9], 0x36)));
        return k;
    }

    public static Vector128<byte>[] ExpandKey256(ReadOnlySpan<byte> key)
    {
        var k = new Vector128<byte>[15];
        k[0] = Vector128.Create(key[..16]);
        k[1] = Vector128.Create(key[16..32]);
        // even round keys take RotWord+SubWord+rcon of the previous key's word 3, odd ones only SubWord (word 2 of the assist)
        k[2] = Expand(k[0], Word3(X86Aes.KeygenAssist(k[1], 0x01)));
        k[3] = Expand(k[1], Word2(X86Aes.KeygenAssist(k[2], 0)));
        k[4] = Expand(k[2], Word3(X86Aes.KeygenAssist(k[3], 0x02)));
        k[5] = Expand(k[3], Word2(X86Aes.KeygenAssist(k[4], 0)));
        k[6] = Expand(k[4], Word3(X86Aes.KeygenAssist(k[5], 0x04)));
        k[7] = Expand(k[5], Word2(X86Aes.KeygenAssist(k[6], 0)));
        k[8] = Expand(k[6], Word3(X86Aes.KeygenAssist(k[7], 0x08)));
        k[9] = Expand(k[7], Word2(X86Aes.KeygenAssist(k[8], 0)));
        k[10] = Expand(k[8], Word3(X86Aes.KeygenAssist(k[9], 0x10)));
        k[11] = Expand(k[9], Word2(X86Aes.KeygenAssist(k[10], 0)));
        k[12] = Expand(k[10], Word3(X86Aes.KeygenAssist(k[11], 0x20)));
        k[13] = Expand(k[11], Word2(X86Aes.KeygenAssist(k[12], 0)));
        k[14] = Expand(k[12], Word3(X86Aes.KeygenAssist(k[13], 0x40)));
        return k;
    }

    private static Vector128<byte> Word3(Vector128<byte> assist) => Sse2.Shuffle(assist.AsInt32(), 0xFF).AsByte();
    private static Vector128<byte> Word2(Vector128<byte> assist) => Sse2.Shuffle(assist.AsInt32(), 0xAA).AsByte();

    private static Vector128<byte> Expand(Vector128<byte> previous, Vector128<byte> assist)
    {
        previous ^= Sse2.ShiftLeftLogical128BitLane(previous, 4);
        previous ^= Sse2.ShiftLeftLogical128BitLane(previous, 4);
        previous ^= Sse2.ShiftLeftLogical128BitLane(previous, 4);
        return previous ^ assist;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> EncryptBlock(Vector128<byte>[] roundKeys, Vector128<byte> block)
    {
        int rounds = roundKeys.Length - 1;
        block ^= roundKeys[0];
        for (int i = 1; i < rounds; i++) block = X86Aes.Encrypt(block, roundKeys[i]);
        return X86Aes.EncryptLast(block, roundKeys[rounds]);
    }

    /// <summary>
    /// output = input XOR AES-CTR keystream starting at counter (hi:lo as a 128-bit big-endian integer); advances the
    /// counter by the blocks used. Output may be the same memory as input.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CtrXor(Vector128<byte>[] roundKeys, ref ulong hi, ref ulong lo, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (roundKeys.Length != 15) throw new ArgumentException("CTR here is AES-256", nameof(roundKeys));
        ref byte src = ref MemoryMarshal.GetReference(input);
        ref byte dst = ref MemoryMarshal.GetReference(output);
        var k0 = roundKeys[0]; var k1 = roundKeys[1]; var k2 = roundKeys[2]; var k3 = roundKeys[3]; var k4 = roundKeys[4];
        var k5 = roundKeys[5]; var k6 = roundKeys[6]; var k7 = roundKeys[7]; var k8 = roundKeys[8]; var k9 = roundKeys[9];
        var k10 = roundKeys[10]; var k11 = roundKeys[11]; var k12 = roundKeys[12]; var k13 = roundKeys[13]; var k14 = roundKeys[14];
        int length = input.Length;
        int at = 0;

        // Eight independent blocks keep the AES unit's pipeline full.
        for (; at <= length - 128; at += 128)
        {
            var b0 = Counter(ref hi, ref lo) ^ k0; var b1 = Counter(ref hi, ref lo) ^ k0;
            var b2 = Counter(ref hi, ref lo) ^ k0; var b3 = Counter(ref hi, ref lo) ^ k0;
            var b4 = Counter(ref hi, ref lo) ^ k0; var b5 = Counter(ref hi, ref lo) ^ k0;
            var b6 = Counter(ref hi, ref lo) ^ k0; var b7 = Counter(ref hi, ref lo) ^ k0;
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k1);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k2);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k3);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k4);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k5);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k6);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k7);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k8);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k9);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k10);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k11);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k12);
            Round(ref b0, ref b1, ref b2, ref b3, ref b4, ref b5, ref b6, ref b7, k13);
            nuint o = (nuint)at;
            Vector128.StoreUnsafe(X86Aes.EncryptLast(b0, k14) ^ Vector128.LoadUnsafe(ref src, o), ref dst, o);
            Vector128.StoreUnsafe(X86Aes.EncryptLast(b1, k14) ^ Vector128.LoadUnsafe(ref src, o + 16), ref dst, o + 16);
            Vector128.StoreUnsafe(X86Aes.EncryptLast(b2, k14) ^ Vector128.LoadUnsafe(ref src, o + 32), ref dst, o + 32);
            Vector128.StoreUnsafe(X86Aes.EncryptLast(b3, k14) ^ Vector128.LoadUnsafe(ref src, o + 48), ref dst, o + 48);
            Vector128.StoreUnsafe(X86Aes.EncryptLast(b4, k14) ^ Vector128.LoadUnsafe(ref src, o + 64), ref dst, o + 64);
            Vector128.StoreUnsafe(X86Aes.EncryptLast(b5, k14) ^ Vector128.LoadUnsafe(ref src, o + 80), ref dst, o + 80);
            Vector128.StoreUnsafe(X86Aes.EncryptLast(b6, k14) ^ Vector128.LoadUnsafe(ref src, o + 96), ref dst, o + 96);
            Vector128.StoreUnsafe(X86Aes.EncryptLast(b7, k14) ^ Vector128.LoadUnsafe(ref src, o + 112), ref dst, o + 112);
        }
        for (; at <= length - 16; at += 16)
        {
            var keystream = EncryptBlock(roundKeys, Counter(ref hi, ref lo));
            Vector128.StoreUnsafe(keystream ^ Vector128.LoadUnsafe(ref src, (nuint)at), ref dst, (nuint)at);
        }
        if (at < length)
        {
            Span<byte> keystream = stackalloc byte[16];
            EncryptBlock(roundKeys, Counter(ref hi, ref lo)).CopyTo(keystream);
            for (int i = 0; at + i < length; i++) Unsafe.Add(ref dst, at + i) = (byte)(Unsafe.Add(ref src, at + i) ^ keystream[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Counter(ref ulong hi, ref ulong lo)
    {
        var block = Vector128.Create(BinaryPrimitives.ReverseEndianness(hi), BinaryPrimitives.ReverseEndianness(lo)).AsByte();
        if (++lo == 0) hi++;
        return block;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref Vector128<byte> b0, ref Vector128<byte> b1, ref Vector128<byte> b2, ref Vector128<byte> b3,
        ref Vector128<byte> b4, ref Vector128<byte> b5, ref Vector128<byte> b6, ref Vector128<byte> b7, Vector128<byte> key)
    {
        b0 = X86Aes.Encrypt(b0, key); b1 = X86Aes.Encrypt(b1, key); b2 = X86Aes.Encrypt(b2, key); b3 = X86Aes.Encrypt(b3, key);
        b4 = X86Aes.Encrypt(b4, key); b5 = X86Aes.Encrypt(b5, key); b6 = X86Aes.Encrypt(b6, key); b7 = X86Aes.Encrypt(b7, key);
    }
}
