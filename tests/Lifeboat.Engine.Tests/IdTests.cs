using Lifeboat.Engine;

namespace Lifeboat.Engine.Tests;

public class IdTests
{
    [Fact]
    public void HexRoundTripAndOrder()
    {
        var a = Id.Parse("00000000000000000000000000000000000000000000000000000000000000ff");
        var b = Id.Parse("0100000000000000000000000000000000000000000000000000000000000000");
        Assert.True(a < b);
        Assert.Equal("0100000000000000000000000000000000000000000000000000000000000000", b.ToString());
        Assert.False(Id.TryParse("xyz", out _));
    }

    [Fact]
    public void HashIsSha256()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Id.Hash([]).ToString());
    }

    [Fact]
    public void FsNamesRoundTripInvalidUtf8()
    {
        byte[] raw = [0x62, 0x61, 0x64, 0xff, 0x6e, 0xc3, 0xbc, 0xed, 0xa0, 0x80];
        var s = FsNames.FromBytes(raw);
        Assert.Equal(raw, FsNames.ToBytes(s));
        Assert.False(FsNames.IsValidUtf8(s));
        Assert.True(FsNames.IsValidUtf8("ü.txt"));
    }
}
