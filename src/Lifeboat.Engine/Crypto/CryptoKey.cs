using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Lifeboat.Engine.Crypto;

/// <summary>Thrown when a MAC does not verify: wrong key (password) or damaged data. Restic's ErrUnauthenticated.</summary>
public sealed class CryptoAuthenticationException : Exception
{
    public CryptoAuthenticationException() : base("ciphertext verification failed") { }
}

/// <summary>
/// restic's crypto.Key: AES-256-CTR for confidentiality, Poly1305-AES over the ciphertext for integrity.
/// Sealed layout is IV(16) ‖ ciphertext ‖ MAC(16). Safe for concurrent use from several threads.
/// </summary>
public sealed class CryptoKey
{
    public const int Overhead = IvSize + Poly1305.TagSize;
    private const int IvSize = 16;
    private const int BlockSize = 16;
    // Seal encrypts this many bytes, then MACs them while they are in L1. (The Aes.EncryptEcb fallback would like
    // larger batches to amortise its per-call cost, but it is only used on machines without AES-NI.)
    private const int BatchSize = 8 * 1024;

    private readonly byte[] _encryptionKey;
    private readonly byte[] _macK;
    private readonly byte[] _macR;
    // With AES-NI: immutable expanded keys (thread-safe as they are). Without: System.Security.Cryptography.Aes
    // objects, which are not thread-safe, so each thread gets its own per key.
    private readonly Vector128<byte>[]? _ctrRoundKeys;
    private readonly Vector128<byte>[]? _macRoundKeys;
    private readonly ThreadLocal<Aes>? _ctrCipher;
    private readonly ThreadLocal<Aes>? _macCipher;

    [ThreadStatic] private static byte[]? t_counterBlocks;
    [ThreadStatic] private static byte[]? t_keystream;

    public CryptoKey(ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> macK, ReadOnlySpan<byte> macR)
        : this(encryptionKey, macK, macR, AesNi.IsSupported) { }

    /// <param name="useAesNi">False forces the portable Aes.EncryptEcb path (tests use it to cover machines without AES-NI).</param>
    internal CryptoKey(ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> macK, ReadOnlySpan<byte> macR, bool useAesNi)
    {
        if (encryptionKey.Length != 32) throw new ArgumentException("the encryption key is 32 bytes", nameof(encryptionKey));
        if (macK.Length != 16) throw new ArgumentException("the MAC key k is 16 bytes", nameof(macK));
        if (macR.Length != 16) throw new ArgumentException("the MAC key r is 16 bytes", nameof(macR));
        _encryptionKey = encryptionKey.ToArray();
        _macK = macK.ToArray();
        _macR = macR.ToArray();
        ClampR(_macR);
        if (useAesNi && AesNi.IsSupported)
        {
            _ctrRoundKeys = AesNi.ExpandKey256(_encryptionKey);
            _macRoundKeys = AesNi.ExpandKey128(_macK);
        }
        else
        {
            byte[] enc = _encryptionKey, k = _macK;
            _ctrCipher = new ThreadLocal<Aes>(() => CreateAes(enc));
            _macCipher = new ThreadLocal<Aes>(() => CreateAes(k));
        }
    }

    /// <summary>A fresh random master key, as restic's NewRandomKey (r is masked).</summary>
    public static CryptoKey NewRandom()
    {
        Span<byte> material = stackalloc byte[64];
        RandomNumberGenerator.Fill(material);
        var key = new CryptoKey(material[..32], material[32..48], material[48..64]);
        CryptographicOperations.ZeroMemory(material);
        return key;
    }

    public ReadOnlySpan<byte> EncryptionKey => _encryptionKey;
    public ReadOnlySpan<byte> MacK => _macK;
    public ReadOnlySpan<byte> MacR => _macR;

    /// <summary>restic's Key.Valid: the encryption key, k and r must each not be all zero.</summary>
    public bool IsValid =>
        _encryptionKey.AsSpan().ContainsAnyExcept((byte)0) &&
        _macK.AsSpan().ContainsAnyExcept((byte)0) &&
        _macR.AsSpan().ContainsAnyExcept((byte)0);

    /// <summary>Applies restic's Poly1305 r mask (the standard clamp) in place.</summary>
    internal static void ClampR(Span<byte> r)
    {
        r[3] &= 0x0f; r[7] &= 0x0f; r[11] &= 0x0f; r[15] &= 0x0f;
        r[4] &= 0xfc; r[8] &= 0xfc; r[12] &= 0xfc;
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var result = GC.AllocateUninitializedArray<byte>(plaintext.Length + Overhead);
        Seal(plaintext, result);
        return result;
    }

    /// <summary>Encrypts and authenticates; <paramref name="destination"/> must be exactly plaintext.Length + 32 bytes and must not overlap the plaintext except exactly at offset 16.</summary>
    public void Seal(ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (destination.Length != plaintext.Length + Overhead)
            throw new ArgumentException("destination must be plaintext length + 32 bytes", nameof(destination));

        Span<byte> iv = destination[..IvSize];
        do RandomNumberGenerator.Fill(iv); while (!iv.ContainsAnyExcept((byte)0)); // restic rejects an all-zero nonce

        var mac = CreateMac(iv);
        Span<byte> ciphertext = destination.Slice(IvSize, plaintext.Length);
        // Encrypt a batch, then MAC it while it is still in cache.
        Span<byte> counter = stackalloc byte[BlockSize];
        iv.CopyTo(counter);
        int done = 0;
        while (done < plaintext.Length)
        {
            int n = Math.Min(BatchSize, plaintext.Length - done);
            XorKeystream(counter, plaintext.Slice(done, n), ciphertext.Slice(done, n));
            if (n == BatchSize) mac.UpdateBlocks(ciphertext.Slice(done, n));
            else
            {
                int whole = n & ~15;
                mac.UpdateBlocks(ciphertext.Slice(done, whole));
                mac.Finish(ciphertext.Slice(done + whole, n - whole), destination[^Poly1305.TagSize..]);
                return;
            }
            done += n;
        }
        mac.Finish(default, destination[^Poly1305.TagSize..]);
    }

    public byte[] Open(ReadOnlySpan<byte> sealedData)
    {
        if (sealedData.Length < Overhead) throw new ArgumentException("sealed data is shorter than 32 bytes", nameof(sealedData));
        var result = GC.AllocateUninitializedArray<byte>(sealedData.Length - Overhead);
        Open(sealedData, result);
        return result;
    }

    /// <summary>Verifies the MAC in constant time, then decrypts. Returns the plaintext length (sealedData.Length - 32).</summary>
    public int Open(ReadOnlySpan<byte> sealedData, Span<byte> destination)
    {
        if (sealedData.Length < Overhead) throw new ArgumentException("sealed data is shorter than 32 bytes", nameof(sealedData));
        int length = sealedData.Length - Overhead;
        if (destination.Length < length) throw new ArgumentException("destination is too small", nameof(destination));

        ReadOnlySpan<byte> iv = sealedData[..IvSize];
        ReadOnlySpan<byte> ciphertext = sealedData.Slice(IvSize, length);
        if (!iv.ContainsAnyExcept((byte)0)) throw new CryptoAuthenticationException();

        var mac = CreateMac(iv);
        int whole = length & ~15;
        mac.UpdateBlocks(ciphertext[..whole]);
        Span<byte> tag = stackalloc byte[Poly1305.TagSize];
        mac.Finish(ciphertext[whole..], tag);
        if (!CryptographicOperations.FixedTimeEquals(tag, sealedData[^Poly1305.TagSize..]))
            throw new CryptoAuthenticationException();

        Span<byte> counter = stackalloc byte[BlockSize];
        iv.CopyTo(counter);
        for (int done = 0; done < length; done += BatchSize)
        {
            int n = Math.Min(BatchSize, length - done);
            XorKeystream(counter, ciphertext.Slice(done, n), destination.Slice(done, n));
        }
        return length;
    }

    /// <summary>Poly1305-AES as restic's poly1305MAC: s = AES-128_k(nonce), key = clamp(r) ‖ s. Exposed for known-answer tests.</summary>
    internal void ComputeMac(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        var mac = CreateMac(nonce);
        int whole = message.Length & ~15;
        mac.UpdateBlocks(message[..whole]);
        mac.Finish(message[whole..], tag);
    }

    private Poly1305 CreateMac(ReadOnlySpan<byte> nonce)
    {
        Span<byte> s = stackalloc byte[BlockSize];
        if (_macRoundKeys is not null) AesNi.EncryptBlock(_macRoundKeys, Vector128.Create(nonce[..BlockSize])).CopyTo(s);
        else _macCipher!.Value!.EncryptEcb(nonce, s, PaddingMode.None);
        return new Poly1305(_macR, s);
    }

    /// <summary>
    /// CTR for up to one batch: output = input XOR AES(counter), counter += blocks used.
    /// The counter is one 128-bit big-endian integer that wraps, as Go's cipher.NewCTR increments it.
    /// </summary>
    private void XorKeystream(Span<byte> counter, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (_ctrRoundKeys is not null)
        {
            ulong counterHigh = BinaryPrimitives.ReadUInt64BigEndian(counter);
            ulong counterLow = BinaryPrimitives.ReadUInt64BigEndian(counter[8..]);
            AesNi.CtrXor(_ctrRoundKeys, ref counterHigh, ref counterLow, input, output);
            BinaryPrimitives.WriteUInt64BigEndian(counter, counterHigh);
            BinaryPrimitives.WriteUInt64BigEndian(counter[8..], counterLow);
            return;
        }
        byte[] counters = t_counterBlocks ??= new byte[BatchSize];
        byte[] keystream = t_keystream ??= new byte[BatchSize];
        int blocks = (input.Length + BlockSize - 1) / BlockSize;

        ulong hi = BinaryPrimitives.ReadUInt64BigEndian(counter);
        ulong lo = BinaryPrimitives.ReadUInt64BigEndian(counter[8..]);
        ref byte c = ref MemoryMarshal.GetArrayDataReference(counters);
        for (int i = 0; i < blocks; i++)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref c, i * 16), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(hi) : hi);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref c, i * 16 + 8), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(lo) : lo);
            lo++;
            if (lo == 0) hi++;
        }
        BinaryPrimitives.WriteUInt64BigEndian(counter, hi);
        BinaryPrimitives.WriteUInt64BigEndian(counter[8..], lo);

        int bytes = blocks * BlockSize;
        _ctrCipher!.Value!.EncryptEcb(counters.AsSpan(0, bytes), keystream.AsSpan(0, bytes), PaddingMode.None);
        Xor(input, keystream, output);
    }

    /// <summary>output = a XOR b over a.Length bytes; output may be the same memory as a.</summary>
    private static void Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> output)
    {
        int length = a.Length;
        ref byte pa = ref MemoryMarshal.GetReference(a);
        ref byte pb = ref MemoryMarshal.GetReference(b);
        ref byte po = ref MemoryMarshal.GetReference(output);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - 32; i += 32)
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref pa, (nuint)i) ^ Vector256.LoadUnsafe(ref pb, (nuint)i), ref po, (nuint)i);
        }
        for (; i <= length - 16; i += 16)
            Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref pa, (nuint)i) ^ Vector128.LoadUnsafe(ref pb, (nuint)i), ref po, (nuint)i);
        for (; i < length; i++)
            Unsafe.Add(ref po, i) = (byte)(Unsafe.Add(ref pa, i) ^ Unsafe.Add(ref pb, i));
    }

    private static Aes CreateAes(byte[] key)
    {
        var aes = Aes.Create();
        aes.Key = key;
        return aes;
    }
}
