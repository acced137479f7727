using System.Text;
using Lifeboat.Engine.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using BcPoly1305 = Org.BouncyCastle.Crypto.Macs.Poly1305;

namespace Lifeboat.Engine.Tests.Crypto;

public class CryptoKeyTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    // Bernstein's poly1305-aes paper vectors, as in restic's internal/crypto/crypto_int_test.go: msg, r, k, nonce, mac.
    public static TheoryData<string, string, string, string, string> BernsteinVectors => new()
    {
        { "f3f6", "851fc40c3467ac0be05cc20404f3f700", "ec074c835580741701425b623235add6", "fb447350c4e868c52ac3275cf9d4327e", "f4c633c3044fc145f84f335cb81953de" },
        { "", "a0f3080000f46400d0c7e9076c834403", "75deaa25c09f208e1dc4ce6b5cad3fbf", "61ee09218d29b0aaed7e154a2c5509cc", "dd3fab2251f11ac759f0887129cc2ee7" },
        { "663cea190ffb83d89593f3f476b6bc24d7e679107ea26adb8caf6652d0656136", "48443d0bb0d21109c89a100b5ce2c208", "6acb5f61a7176dd320c5c1eb2edcdc74", "ae212a55399729595dea458bc621ff0e", "0ee1c16bb73f0f4fd19881753c01cdbe" },
        { "ab0812724a7f1e342742cbed374d94d136c6b8795d45b3819830f2c04491faf0990c62e48b8018b2c3e4a0fa3134cb67fa83e158c994d961c4cb21095c1bf9", "12976a08c4426d0ce8a82407c4f48207", "e1a5668a4d5b66a5f68cc5424ed5982d", "9ae831e743978d3a23527c7128149e3a", "5154ad0d2cb26e01274fc51148491f1b" },
    };

    [Theory]
    [MemberData(nameof(BernsteinVectors))]
    public void Poly1305AesMatchesBernsteinVectors(string msg, string r, string k, string nonce, string mac)
    {
        var key = new CryptoKey(new byte[32], Hex(k), Hex(r));
        var tag = new byte[16];
        key.ComputeMac(Hex(nonce), Hex(msg), tag);
        Assert.Equal(mac, Convert.ToHexStringLower(tag));
    }

    [Fact]
    public void OpensResticTestVector()
    {
        var key = new CryptoKey(
            Hex("303e8687b1d7db18421bdc6bb8588ccadac4d59ee87b8ff70c44e635790cafef"),
            Hex("ef4d8824cb80b2bcc5fbff8a9b12a42c"),
            Hex("cc8d4b948ee0ebfe1d415de921d10353")); // unmasked r: the key must clamp it
        byte[] sealedData = Hex("69fb41c62d12def4593bd71757138606338f621aeaeb39da0fe4f99233f8037a54ea63338a813bcf3f75d8c3cc75dddf8750");
        Assert.Equal("Dies ist ein Test!", Encoding.UTF8.GetString(key.Open(sealedData)));
        Assert.Equal("cc8d4b048ce0eb0e1c415d0920d10303", Convert.ToHexStringLower(key.MacR));
    }

    [Fact]
    public void FlippedByteAnywhereFailsAuthentication()
    {
        var key = CryptoKey.NewRandom();
        byte[] sealedData = key.Seal(Encoding.UTF8.GetBytes("some plaintext that spans more than one block"));
        for (int i = 0; i < sealedData.Length; i++)
        {
            sealedData[i] ^= 0x01;
            var e = Assert.Throws<CryptoAuthenticationException>(() => key.Open(sealedData));
            Assert.Equal("ciphertext verification failed", e.Message);
            sealedData[i] ^= 0x01;
        }
        Assert.Throws<CryptoAuthenticationException>(() => CryptoKey.NewRandom().Open(sealedData));
        Assert.Throws<ArgumentException>(() => key.Open(new byte[31]));
    }

    [Fact]
    public void SealOpenRoundTripsManyLengths()
    {
        var key = CryptoKey.NewRandom();
        var random = new Random(1);
        foreach (int length in Enumerable.Range(0, 4200).Concat([8191, 8192, 8193, 65536 + 5, 10 * 1024 * 1024]))
        {
            if (length > 300 && length < 4000 && length % 37 != 0) continue;
            byte[] plaintext = new byte[length];
            random.NextBytes(plaintext);
            byte[] sealedData = key.Seal(plaintext);
            Assert.Equal(length + CryptoKey.Overhead, sealedData.Length);
            Assert.Equal(plaintext, key.Open(sealedData));
        }
    }

    [Fact]
    public void SealedDataMatchesBouncyCastleConstruction()
    {
        // Independent oracle: BouncyCastle AES-CTR (SIC) + Poly1305-AES must give the same ciphertext and MAC for the same IV.
        var key = CryptoKey.NewRandom();
        var random = new Random(2);
        foreach (int length in new[] { 0, 1, 15, 16, 17, 100, 4096, 8192 + 3, 70000 })
        {
            byte[] plaintext = new byte[length];
            random.NextBytes(plaintext);
            byte[] sealedData = key.Seal(plaintext);
            byte[] iv = sealedData[..16];

            var ctr = new Org.BouncyCastle.Crypto.Modes.SicBlockCipher(new AesEngine());
            ctr.Init(true, new ParametersWithIV(new KeyParameter(key.EncryptionKey.ToArray()), iv));
            byte[] expectedCipher = new byte[length];
            var buffered = new Org.BouncyCastle.Crypto.BufferedBlockCipher(ctr);
            int n = buffered.ProcessBytes(plaintext, 0, length, expectedCipher, 0);
            buffered.DoFinal(expectedCipher, n);
            Assert.Equal(expectedCipher, sealedData[16..^16]);
            Assert.Equal(BouncyCastleMac(key, iv, expectedCipher), sealedData[^16..]);
        }
    }

    [Fact]
    public void CounterCarriesAcrossAllSixteenBytes()
    {
        // An IV of all 0xff wraps to zero after one block; compare with BouncyCastle's SIC mode, which carries the same way.
        var key = CryptoKey.NewRandom();
        byte[] iv = Enumerable.Repeat((byte)0xff, 16).ToArray();
        iv[0] = 0xfe;
        byte[] plaintext = new byte[64];
        var ctr = new Org.BouncyCastle.Crypto.Modes.SicBlockCipher(new AesEngine());
        ctr.Init(true, new ParametersWithIV(new KeyParameter(key.EncryptionKey.ToArray()), iv));
        byte[] ciphertext = new byte[64];
        for (int i = 0; i < 64; i += 16) ctr.ProcessBlock(plaintext, i, ciphertext, i);
        byte[] sealedData = [.. iv, .. ciphertext, .. BouncyCastleMac(key, iv, ciphertext)];
        Assert.Equal(plaintext, key.Open(sealedData));
    }

    [Fact]
    public void Poly1305MatchesBouncyCastleOnRandomMessages()
    {
        var key = CryptoKey.NewRandom();
        var random = new Random(3);
        byte[] nonce = new byte[16];
        var tag = new byte[16];
        foreach (int length in Enumerable.Range(0, 2001).Concat([65536, 1_000_003]))
        {
            byte[] message = new byte[length];
            random.NextBytes(message);
            random.NextBytes(nonce);
            key.ComputeMac(nonce, message, tag);
            Assert.Equal(BouncyCastleMac(key, nonce, message), tag);
        }
        // all-ones input drives h close to p, exercising the final reduction
        byte[] ones = Enumerable.Repeat((byte)0xff, 4096).ToArray();
        var clampMax = new CryptoKey(new byte[32], Enumerable.Repeat((byte)0xff, 16).ToArray(), Enumerable.Repeat((byte)0xff, 16).ToArray());
        for (int length = 0; length <= 4096; length += 16)
        {
            clampMax.ComputeMac(nonce, ones.AsSpan(0, length), tag);
            Assert.Equal(BouncyCastleMac(clampMax, nonce, ones[..length]), tag);
        }
    }

    [Fact]
    public void PortableAesPathMatchesAesNiPath()
    {
        var key = CryptoKey.NewRandom();
        var portable = new CryptoKey(key.EncryptionKey, key.MacK, key.MacR, useAesNi: false);
        var random = new Random(4);
        foreach (int length in new[] { 0, 1, 16, 33, 8191, 8192, 100_000 })
        {
            byte[] plaintext = new byte[length];
            random.NextBytes(plaintext);
            Assert.Equal(plaintext, portable.Open(key.Seal(plaintext)));
            Assert.Equal(plaintext, key.Open(portable.Seal(plaintext)));
        }
        byte[] vector = Hex("69fb41c62d12def4593bd71757138606338f621aeaeb39da0fe4f99233f8037a54ea63338a813bcf3f75d8c3cc75dddf8750");
        var resticKey = new CryptoKey(Hex("303e8687b1d7db18421bdc6bb8588ccadac4d59ee87b8ff70c44e635790cafef"),
            Hex("ef4d8824cb80b2bcc5fbff8a9b12a42c"), Hex("cc8d4b948ee0ebfe1d415de921d10353"), useAesNi: false);
        Assert.Equal("Dies ist ein Test!", Encoding.UTF8.GetString(resticKey.Open(vector)));
    }

    [Fact]
    public void KeyMaterialAndValidity()
    {
        var key = CryptoKey.NewRandom();
        Assert.True(key.IsValid);
        Assert.Equal(32, key.EncryptionKey.Length);
        Assert.Equal(16, key.MacK.Length);
        Assert.Equal(0, key.MacR[3] & 0xf0);
        Assert.Equal(0, key.MacR[4] & 0x03);
        Assert.False(new CryptoKey(new byte[32], new byte[16], new byte[16]).IsValid);
        Assert.False(new CryptoKey(new byte[32], Hex("01000000000000000000000000000000"), Hex("01000000000000000000000000000000")).IsValid);
    }

    [Fact]
    public void ConcurrentSealOpenIsSafe()
    {
        var key = CryptoKey.NewRandom();
        Parallel.For(0, 64, i =>
        {
            byte[] plaintext = new byte[1000 + i * 977];
            new Random(i).NextBytes(plaintext);
            Assert.Equal(plaintext, key.Open(key.Seal(plaintext)));
        });
    }

    internal static byte[] BouncyCastleMac(CryptoKey key, byte[] nonce, byte[] message)
    {
        var mac = new BcPoly1305(new AesEngine());
        // BouncyCastle 2.x reads the 32-byte key as r ‖ k (r first, clamped internally) and AES-encrypts the nonce with k.
        mac.Init(new ParametersWithIV(new KeyParameter([.. key.MacR.ToArray(), .. key.MacK.ToArray()]), nonce));
        mac.BlockUpdate(message, 0, message.Length);
        byte[] tag = new byte[16];
        mac.DoFinal(tag, 0);
        return tag;
    }
}
