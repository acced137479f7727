using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Lifeboat.Engine.Crypto;

/// <summary>
/// scrypt (RFC 7914) and restic's user-key derivation. Hand-written because BouncyCastle's scrypt is about
/// 2.4x slower than restic's for the parameters restic writes (N=32768, r=8, p≈9), and every command pays it once.
/// </summary>
public static class KeyDerivation
{
    public const int SaltLength = 64;
    private const int UserKeyLength = 64;

    /// <summary>restic's crypto.KDF: scrypt → encryption key(32) ‖ k(16) ‖ r(16, masked).</summary>
    public static CryptoKey DeriveUserKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int n, int r, int p)
    {
        if (salt.Length != SaltLength)
            throw new ArgumentException($"scrypt salt must be exactly {SaltLength} bytes, got {salt.Length}", nameof(salt));
        byte[] derived = Scrypt(password, salt, n, r, p, UserKeyLength);
        try { return new CryptoKey(derived.AsSpan(0, 32), derived.AsSpan(32, 16), derived.AsSpan(48, 16)); }
        finally { CryptographicOperations.ZeroMemory(derived); }
    }

    public static byte[] Scrypt(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int n, int r, int p, int length)
    {
        CheckParameters(n, r, p);
        if (length <= 0) throw new ArgumentException("scrypt output length must be positive", nameof(length));

        int laneBytes = 128 * r;
        byte[] lanes = new byte[checked(laneBytes * p)];
        Rfc2898DeriveBytes.Pbkdf2(password, salt, lanes, 1, HashAlgorithmName.SHA256);

        // The lanes run one after another through a single 128·r·N-byte table (32 MiB for restic's N=32768, r=8),
        // taken from native memory and returned as soon as the key is derived: running lanes in parallel would
        // save a few hundred milliseconds but double the table, and this is the largest allocation many commands
        // ever make. (restic's Go scrypt runs the lanes one after another too.)
        nuint words = checked((nuint)(32 * r) * (nuint)n);
        unsafe
        {
            // mapped straight from the kernel and unmapped after, so the memory is back with the system at once
            // (malloc would keep the freed pages in its arena, in the process's resident set)
            // in transparent huge pages where the system allows them: 16 page faults for restic's 32 MiB instead of
            // 8,192, which cost as much kernel time as a third of the computation (Go's heap, restic's, has them too)
            nuint bytes = words * sizeof(uint), mapped = bytes + HugePage;
            void* mapping = Mmap(null, mapped, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (mapping == (void*)-1) throw new OutOfMemoryException("scrypt needs " + (bytes >> 20) + " MiB");
            try
            {
                void* table = (void*)(((nuint)mapping + HugePage - 1) & ~(HugePage - 1));
                if (bytes >= HugePage) Madvise(table, bytes & ~(HugePage - 1), MadvHugePage); // advice only: its failure changes nothing
                var v = new Span<uint>(table, checked((int)words));
                for (int lane = 0; lane < p; lane++) RoMix(lanes.AsSpan(lane * laneBytes, laneBytes), n, r, v);
                v.Clear();
            }
            finally
            {
                Munmap(mapping, mapped);
            }
        }

        byte[] result = new byte[length];
        Rfc2898DeriveBytes.Pbkdf2(password, lanes, result, 1, HashAlgorithmName.SHA256);
        CryptographicOperations.ZeroMemory(lanes);
        return result;
    }

    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20, MadvHugePage = 14;
    private const nuint HugePage = 2 << 20;

    [DllImport("libc", EntryPoint = "mmap")]
    private static extern unsafe void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern unsafe int Madvise(void* address, nuint length, int advice);

    [DllImport("libc", EntryPoint = "munmap")]
    private static extern unsafe int Munmap(void* address, nuint length);

    /// <summary>simple-scrypt's Params.Check plus golang scrypt's power-of-two rule.</summary>
    private static void CheckParameters(int n, int r, int p)
    {
        if (n <= 1 || !BitOperations.IsPow2(n))
            throw new ArgumentException($"scrypt N must be a power of two greater than 1, got {n}", nameof(n));
        if (r < 1) throw new ArgumentException($"scrypt r must be at least 1, got {r}", nameof(r));
        if (p < 1) throw new ArgumentException($"scrypt p must be at least 1, got {p}", nameof(p));
        if ((long)r * p >= 1 << 30) throw new ArgumentException($"scrypt r*p must be below 2^30, got r={r} p={p}", nameof(p));
        if (n > int.MaxValue / 128 / r) throw new ArgumentException($"scrypt N={n} is too large for r={r}", nameof(n));
    }

    /// <summary>
    /// restic 0.14's Calibrate: r = 8; N the largest power of two with 128·r·N below the memory budget, halved
    /// while one run exceeds the timeout; then p = timeout / (time of a p=1 run), lowered until a run fits.
    /// </summary>
    public static (int N, int R, int P) Calibrate(TimeSpan timeout, long memoryBytes)
    {
        const int r = 8;
        int n = 2;
        while (n < 1 << 30 && 128L * r * (n * 2L) < memoryBytes && n * 2 <= int.MaxValue / 128 / r) n *= 2;

        Span<byte> password = stackalloc byte[8];
        Span<byte> salt = stackalloc byte[SaltLength];
        RandomNumberGenerator.Fill(password);
        RandomNumberGenerator.Fill(salt);
        byte[] pw = password.ToArray(), sa = salt.ToArray();

        TimeSpan Run(int cost, int parallel)
        {
            var watch = Stopwatch.StartNew();
            Scrypt(pw, sa, cost, r, parallel, UserKeyLength);
            return watch.Elapsed;
        }

        Run(1024, 1); // warm up (JIT, page faults) so the measurement below is of scrypt, not of start-up
        TimeSpan single = Run(n, 1);
        while (single > timeout && n > 2)
        {
            n /= 2;
            single = Run(n, 1);
        }

        int p = (int)Math.Max(1, timeout.Ticks / Math.Max(1, single.Ticks));
        p = Math.Min(p, ((1 << 30) - 1) / r);
        while (p > 1 && Run(n, p) > timeout) p--;
        return (n, r, p);
    }

    // ---- ROMix / BlockMix / Salsa20/8 ----
    // Blocks are kept in a diagonal word order for the whole ROMix so that Salsa20's column and row rounds become
    // four Vector128 rows and lane rotations: A = (x0,x5,x10,x15), B = (x4,x9,x14,x3), C = (x8,x13,x2,x7), D = (x12,x1,x6,x11).
    private static readonly int[] DiagonalOrder = [0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11];

    /// <param name="v">The N-block table, 32·r·N words; its contents are overwritten.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RoMix(Span<byte> block, int n, int r, Span<uint> v)
    {
        int wordsPerBlock = 32 * r;
        int vectorsPerBlock = 8 * r;
        uint[] x = new uint[wordsPerBlock];
        uint[] scratch = new uint[wordsPerBlock];

        // load little-endian words into diagonal order
        Span<uint> source = stackalloc uint[16];
        for (int b = 0; b < 2 * r; b++)
        {
            for (int i = 0; i < 16; i++) source[i] = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(b * 64 + i * 4, 4));
            for (int i = 0; i < 16; i++) x[b * 16 + i] = source[DiagonalOrder[i]];
        }

        Span<Vector128<uint>> xv = MemoryMarshal.Cast<uint, Vector128<uint>>(x.AsSpan());
        Span<Vector128<uint>> tv = MemoryMarshal.Cast<uint, Vector128<uint>>(scratch.AsSpan());
        Span<Vector128<uint>> vv = MemoryMarshal.Cast<uint, Vector128<uint>>(v);

        // V[i] = X; X = BlockMix(X): write straight into V[i+1] to avoid a copy.
        xv.CopyTo(vv[..vectorsPerBlock]);
        for (int i = 0; i < n - 1; i++)
            BlockMix(vv.Slice(i * vectorsPerBlock, vectorsPerBlock), default, vv.Slice((i + 1) * vectorsPerBlock, vectorsPerBlock), r);
        BlockMix(vv.Slice((n - 1) * vectorsPerBlock, vectorsPerBlock), default, xv, r);

        int mask = n - 1;
        for (int i = 0; i < n; i++)
        {
            // Integerify: first word of the last 64-byte sub-block; x0 stays at position 0 in diagonal order.
            int j = (int)(x[(2 * r - 1) * 16] & (uint)mask);
            BlockMix(xv, vv.Slice(j * vectorsPerBlock, vectorsPerBlock), tv, r);
            tv.CopyTo(xv);
        }

        for (int b = 0; b < 2 * r; b++)
        {
            for (int i = 0; i < 16; i++) source[DiagonalOrder[i]] = x[b * 16 + i];
            for (int i = 0; i < 16; i++) BinaryPrimitives.WriteUInt32LittleEndian(block.Slice(b * 64 + i * 4, 4), source[i]);
        }
    }

    /// <summary>output = BlockMix(input XOR mixIn) (mixIn empty means plain input). Output must not alias input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockMix(ReadOnlySpan<Vector128<uint>> input, ReadOnlySpan<Vector128<uint>> mixIn, Span<Vector128<uint>> output, int r)
    {
        ref Vector128<uint> inp = ref MemoryMarshal.GetReference(input);
        ref Vector128<uint> outp = ref MemoryMarshal.GetReference(output);
        bool xorIn = !mixIn.IsEmpty;
        ref Vector128<uint> mix = ref MemoryMarshal.GetReference(mixIn);

        int last = (2 * r - 1) * 4;
        Vector128<uint> a = Unsafe.Add(ref inp, last), b = Unsafe.Add(ref inp, last + 1),
                        c = Unsafe.Add(ref inp, last + 2), d = Unsafe.Add(ref inp, last + 3);
        if (xorIn)
        {
            a ^= Unsafe.Add(ref mix, last); b ^= Unsafe.Add(ref mix, last + 1);
            c ^= Unsafe.Add(ref mix, last + 2); d ^= Unsafe.Add(ref mix, last + 3);
        }

        for (int i = 0; i < 2 * r; i++)
        {
            int at = i * 4;
            Vector128<uint> ia = Unsafe.Add(ref inp, at), ib = Unsafe.Add(ref inp, at + 1),
                            ic = Unsafe.Add(ref inp, at + 2), id = Unsafe.Add(ref inp, at + 3);
            if (xorIn)
            {
                ia ^= Unsafe.Add(ref mix, at); ib ^= Unsafe.Add(ref mix, at + 1);
                ic ^= Unsafe.Add(ref mix, at + 2); id ^= Unsafe.Add(ref mix, at + 3);
            }
            a ^= ia; b ^= ib; c ^= ic; d ^= id;
            Salsa208(ref a, ref b, ref c, ref d);
            // even sub-blocks go to the first half, odd ones to the second
            int to = ((i & 1) == 0 ? i / 2 : r + i / 2) * 4;
            Unsafe.Add(ref outp, to) = a; Unsafe.Add(ref outp, to + 1) = b;
            Unsafe.Add(ref outp, to + 2) = c; Unsafe.Add(ref outp, to + 3) = d;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rotl(Vector128<uint> v, [ConstantExpected] int bits) =>
        Vector128.ShiftLeft(v, bits) | Vector128.ShiftRightLogical(v, 32 - bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Salsa208(ref Vector128<uint> a0, ref Vector128<uint> b0, ref Vector128<uint> c0, ref Vector128<uint> d0)
    {
        Vector128<uint> a = a0, b = b0, c = c0, d = d0;
        for (int round = 0; round < 4; round++)
        {
            // column round
            b ^= Rotl(a + d, 7);
            c ^= Rotl(b + a, 9);
            d ^= Rotl(c + b, 13);
            a ^= Rotl(d + c, 18);
            // to row order: D' = D[1,2,3,0], C' = C[2,3,0,1], B' = B[3,0,1,2]
            d = Vector128.Shuffle(d, Vector128.Create(1u, 2, 3, 0));
            c = Vector128.Shuffle(c, Vector128.Create(2u, 3, 0, 1));
            b = Vector128.Shuffle(b, Vector128.Create(3u, 0, 1, 2));
            // row round
            d ^= Rotl(a + b, 7);
            c ^= Rotl(d + a, 9);
            b ^= Rotl(c + d, 13);
            a ^= Rotl(b + c, 18);
            // back to column order
            d = Vector128.Shuffle(d, Vector128.Create(3u, 0, 1, 2));
            c = Vector128.Shuffle(c, Vector128.Create(2u, 3, 0, 1));
            b = Vector128.Shuffle(b, Vector128.Create(1u, 2, 3, 0));
        }
        a0 += a; b0 += b; c0 += c; d0 += d;
    }
}
