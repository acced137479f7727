using Lifeboat.Engine.Chunking;

namespace Lifeboat.Engine.Tests.Chunking;

public class PolynomialTests
{
    // restic/chunker polynomials_test.go polIrredTests
    [Theory]
    [InlineData(0x38f1e565e288dfUL, false)]
    [InlineData(0x3DA3358B4DC173UL, true)]
    [InlineData(0x30a8295b9d5c91UL, false)]
    [InlineData(0x255f4350b962cbUL, false)]
    [InlineData(0x267f776110a235UL, false)]
    [InlineData(0x2f4dae10d41227UL, false)]
    [InlineData(0x2482734cacca49UL, true)]
    [InlineData(0x312daf4b284899UL, false)]
    [InlineData(0x29dfb6553d01d1UL, false)]
    [InlineData(0x3548245eb26257UL, false)]
    [InlineData(0x3199e7ef4211b3UL, false)]
    [InlineData(0x362f39017dae8bUL, false)]
    [InlineData(0x200d57aa6fdacbUL, false)]
    [InlineData(0x35e0a4efa1d275UL, false)]
    [InlineData(0x2ced55b026577fUL, false)]
    [InlineData(0x260b012010893dUL, false)]
    [InlineData(0x2df29cbcd59e9dUL, false)]
    [InlineData(0x3f2ac7488bd429UL, false)]
    [InlineData(0x3e5cb1711669fbUL, false)]
    [InlineData(0x226d8de57a9959UL, false)]
    [InlineData(0x3c8de80aaf5835UL, false)]
    [InlineData(0x2026a59efb219bUL, false)]
    [InlineData(0x39dfa4d13fb231UL, false)]
    [InlineData(0x3143d0464b3299UL, false)]
    [InlineData(0x261dc38b5724c7UL, true)] // the example polynomial from a restic config (format spec §4)
    public void IrreducibilityMatchesRestic(ulong value, bool irreducible) =>
        Assert.Equal(irreducible, new Polynomial(value).IsIrreducible());

    [Fact]
    public void ArithmeticMatchesResticTests()
    {
        Assert.Equal(0x2UL, Polynomial.Gcd(10, 50));
        Assert.Equal(1UL, Polynomial.Gcd(0x3DA3358B4DC173, 0x230d2259defd));
        Assert.Equal(0b10011UL, Polynomial.Gcd(0x230d2259defd, 0x51b492b3eff2));
        Assert.Equal(0x22UL, Polynomial.MulMod(0x1230, 0x230, 0x55));
        Assert.Equal(0x425ae8595b7aUL, Polynomial.MulMod(0x0eae8c07dbbb3026, 0xd5d6db9de04771de, 0xdd2bda3b77c9));
        Assert.Equal(1UL, Polynomial.Mod(0b101101001, 0b1010));
        Assert.Equal(41, new Polynomial(0x3af4b284899).Degree);
        Assert.Equal(-1, new Polynomial(0).Degree);
    }

    [Fact]
    public void RandomIsIrreducibleOfDegree53()
    {
        for (int i = 0; i < 5; i++)
        {
            var p = Polynomial.Random();
            Assert.Equal(53, p.Degree);
            Assert.True(p.IsIrreducible());
            Assert.Equal(p, Polynomial.Parse(p.ToString()));
        }
    }

    [Fact]
    public void ParsesConfigForm()
    {
        Assert.Equal("3da3358b4dc173", new Polynomial(0x3DA3358B4DC173).ToString());
        Assert.Equal(0x3DA3358B4DC173UL, Polynomial.Parse("3da3358b4dc173").Value);
        Assert.Equal(0x3DA3358B4DC173UL, Polynomial.Parse("0x3DA3358B4DC173").Value);
        Assert.Throws<FormatException>(() => Polynomial.Parse("xyz"));
        Assert.Throws<FormatException>(() => Polynomial.Parse(""));
    }
}
