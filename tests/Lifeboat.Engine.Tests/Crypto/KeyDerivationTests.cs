using System.Text;
using Lifeboat.Engine.Crypto;
using BcSCrypt = Org.BouncyCastle.Crypto.Generators.SCrypt;

namespace Lifeboat.Engine.Tests.Crypto;

public class KeyDerivationTests
{
    // RFC 7914 section 12 (the N=1048576 vector is left out for time).
    [Theory]
    [InlineData("", "", 16, 1, 1, "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906")]
    [InlineData("password", "NaCl", 1024, 8, 16, "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")]
    [InlineData("pleaseletmein", "SodiumChloride", 16384, 8, 1, "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887")]
    public void ScryptMatchesRfc7914(string password, string salt, int n, int r, int p, string expected)
    {
        byte[] result = KeyDerivation.Scrypt(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(salt), n, r, p, 64);
        Assert.Equal(expected, Convert.ToHexStringLower(result));
    }

    [Theory]
    [InlineData(2, 1, 1, 64)]
    [InlineData(16, 3, 5, 7)]
    [InlineData(256, 8, 9, 64)]
    [InlineData(1024, 2, 3, 100)]
    public void ScryptMatchesBouncyCastle(int n, int r, int p, int length)
    {
        byte[] password = Encoding.UTF8.GetBytes("geheim");
        byte[] salt = new byte[64];
        new Random(n + r + p).NextBytes(salt);
        Assert.Equal(BcSCrypt.Generate(password, salt, n, r, p, length), KeyDerivation.Scrypt(password, salt, n, r, p, length));
    }

    [Fact]
    public void DeriveUserKeySplitsAndMasks()
    {
        byte[] password = Encoding.UTF8.GetBytes("geheim");
        byte[] salt = new byte[64];
        new Random(5).NextBytes(salt);
        byte[] raw = BcSCrypt.Generate(password, salt, 1024, 8, 1, 64);
        var key = KeyDerivation.DeriveUserKey(password, salt, 1024, 8, 1);
        Assert.Equal(raw[..32], key.EncryptionKey.ToArray());
        Assert.Equal(raw[32..48], key.MacK.ToArray());
        byte[] r = raw[48..64];
        r[3] &= 0x0f; r[7] &= 0x0f; r[11] &= 0x0f; r[15] &= 0x0f; r[4] &= 0xfc; r[8] &= 0xfc; r[12] &= 0xfc;
        Assert.Equal(r, key.MacR.ToArray());
    }

    [Theory]
    [InlineData(63, 1024, 8, 1)]
    [InlineData(64, 1, 8, 1)]
    [InlineData(64, 1000, 8, 1)]
    [InlineData(64, 1024, 0, 1)]
    [InlineData(64, 1024, 8, 0)]
    [InlineData(64, 1024, 1 << 15, 1 << 15)]
    [InlineData(64, 1 << 22, 8, 1)]
    public void RejectsInvalidParameters(int saltLength, int n, int r, int p)
    {
        var e = Assert.Throws<ArgumentException>(() => KeyDerivation.DeriveUserKey("x"u8, new byte[saltLength], n, r, p));
        Assert.Contains("scrypt", e.Message);
    }

    [Fact]
    public void CalibrateStaysWithinBudget()
    {
        var (n, r, p) = KeyDerivation.Calibrate(TimeSpan.FromMilliseconds(40), 1 << 20);
        Assert.Equal(8, r);
        Assert.True(n >= 2 && 128L * r * n < 1 << 20 && (n & (n - 1)) == 0, $"N={n}");
        Assert.True(p >= 1);
    }
}
