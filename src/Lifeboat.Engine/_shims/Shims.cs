// TEMPORARY stand-ins for the real implementations being built in parallel; deleted at merge.
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Lifeboat.Engine.Crypto
{
    public sealed class CryptoAuthenticationException() : Exception("ciphertext verification failed");
    public sealed class CryptoKey
    {
        public const int Overhead = 32;
        private readonly byte[] _enc, _k, _r;
        public CryptoKey(ReadOnlySpan<byte> e, ReadOnlySpan<byte> k, ReadOnlySpan<byte> r)
        {
            _enc = e.ToArray(); _k = k.ToArray(); _r = r.ToArray();
            byte[] mask = [0xff, 0xff, 0xff, 0x0f, 0xfc, 0xff, 0xff, 0x0f, 0xfc, 0xff, 0xff, 0x0f, 0xfc, 0xff, 0xff, 0x0f];
            for (int i = 0; i < 16; i++) _r[i] &= mask[i];
        }
        public static CryptoKey NewRandom() => new(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(16));
        public ReadOnlySpan<byte> EncryptionKey => _enc;
        public ReadOnlySpan<byte> MacK => _k;
        public ReadOnlySpan<byte> MacR => _r;
        public bool IsValid => _enc.AsSpan().IndexOfAnyExcept((byte)0) >= 0 && _k.AsSpan().IndexOfAnyExcept((byte)0) >= 0;
        private void Ctr(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> src, Span<byte> dst)
        {
            using var aes = Aes.Create(); aes.Key = _enc;
            var ctr = iv.ToArray(); var ks = new byte[16];
            for (int off = 0; off < src.Length; off += 16)
            {
                aes.EncryptEcb(ctr, ks, PaddingMode.None);
                int n = Math.Min(16, src.Length - off);
                for (int i = 0; i < n; i++) dst[off + i] = (byte)(src[off + i] ^ ks[i]);
                for (int i = 15; i >= 0; i--) if (++ctr[i] != 0) break;
            }
        }
        private byte[] Mac(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ct)
        {
            var mac = new Poly1305(new AesEngine());
            var key = new byte[32]; _r.CopyTo(key, 0); _k.CopyTo(key, 16);
            mac.Init(new ParametersWithIV(new KeyParameter(key), iv.ToArray()));
            mac.BlockUpdate(ct); var o = new byte[16]; mac.DoFinal(o, 0); return o;
        }
        public void Seal(ReadOnlySpan<byte> p, Span<byte> d)
        {
            var iv = RandomNumberGenerator.GetBytes(16); iv.CopyTo(d);
            Ctr(iv, p, d.Slice(16, p.Length));
            Mac(iv, d.Slice(16, p.Length)).CopyTo(d[(16 + p.Length)..]);
        }
        public byte[] Seal(ReadOnlySpan<byte> p) { var d = new byte[p.Length + 32]; Seal(p, d); return d; }
        public int Open(ReadOnlySpan<byte> s, Span<byte> d)
        {
            if (s.Length < 32) throw new ArgumentException("too short");
            var iv = s[..16]; var ct = s[16..^16];
            if (!CryptographicOperations.FixedTimeEquals(Mac(iv, ct), s[^16..])) throw new CryptoAuthenticationException();
            Ctr(iv, ct, d); return ct.Length;
        }
        public byte[] Open(ReadOnlySpan<byte> s) { var d = new byte[s.Length - 32]; Open(s, d); return d; }
    }
    public static class KeyDerivation
    {
        public static CryptoKey DeriveUserKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int n, int r, int p)
        {
            var k = Org.BouncyCastle.Crypto.Generators.SCrypt.Generate(password.ToArray(), salt.ToArray(), n, r, p, 64);
            return new CryptoKey(k.AsSpan(0, 32), k.AsSpan(32, 16), k.AsSpan(48, 16));
        }
        public static (int N, int R, int P) Calibrate(TimeSpan timeout, long memoryBytes) => (32768, 8, 4);
    }
}
namespace Lifeboat.Engine.Compression
{
    public static class Zstd
    {
        public static bool IsNative => false;
        public static int CompressBound(int length) => ZstdSharp.Compressor.GetCompressBound(length);
        public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level = 3) { using var c = new ZstdSharp.Compressor(level); return c.Wrap(source, destination); }
        public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination) { using var d = new ZstdSharp.Decompressor(); return d.Unwrap(source, destination); }
        public static byte[] Decompress(ReadOnlySpan<byte> source, long maxLength) { using var d = new ZstdSharp.Decompressor(); return d.Unwrap(source).ToArray(); }
    }
}
namespace Lifeboat.Engine.Chunking
{
    public readonly struct Polynomial(ulong value) : IEquatable<Polynomial>
    {
        public ulong Value { get; } = value;
        public bool IsIrreducible() => true;
        public static Polynomial Random() => new(0x3DA3358B4DC173);
        public static Polynomial Parse(string hex) => new(Convert.ToUInt64(hex, 16));
        public override string ToString() => Value.ToString("x");
        public bool Equals(Polynomial o) => o.Value == Value;
    }
}
namespace Lifeboat.Engine.Model
{
    public readonly struct GoTime(long s, int ns, int off)
    {
        public long UnixSeconds { get; } = s; public int Nanoseconds { get; } = ns; public int OffsetSeconds { get; } = off;
        public static GoTime Now() { var n = DateTimeOffset.Now; return new(n.ToUnixTimeSeconds(), (int)(n.Ticks % 10_000_000) * 100, (int)n.Offset.TotalSeconds); }
        public static GoTime Parse(string s) { var d = DateTimeOffset.Parse(s); return new(d.ToUnixTimeSeconds(), 0, (int)d.Offset.TotalSeconds); }
        public DateTimeOffset ToDateTimeOffset() => DateTimeOffset.FromUnixTimeSeconds(UnixSeconds).ToOffset(TimeSpan.FromSeconds(OffsetSeconds));
        public override string ToString() => ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffffffK");
    }
}
