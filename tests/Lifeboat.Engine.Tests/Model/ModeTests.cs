using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Model;

public class ModeTests
{
    [Theory]
    [InlineData(0x41EDu /* 040755 dir */, 2147484141u, NodeType.Dir)]
    [InlineData(0x43EDu /* 041755 dir+sticky */, 2148532717u, NodeType.Dir)]
    [InlineData(0x81A4u /* 0100644 file */, 420u, NodeType.File)]
    [InlineData(0x89EDu /* 0104755 setuid file */, 8389101u, NodeType.File)]
    [InlineData(0xA1FFu /* 0120777 symlink */, 134218239u, NodeType.Symlink)]
    [InlineData(0x11A4u /* 010644 fifo */, 33554852u, NodeType.Fifo)]
    [InlineData(0x2190u /* 020620 chardev */, (1u << 26) | (1u << 21) | 0x190u, NodeType.CharDev)]
    [InlineData(0x61B0u /* 060660 block dev */, (1u << 26) | 0x1B0u, NodeType.Dev)]
    [InlineData(0xC1EDu /* 0140755 socket */, (1u << 24) | 0x1EDu, NodeType.Socket)]
    [InlineData(0x85EDu /* 0102755 setgid file */, (1u << 22) | 0x1EDu, NodeType.File)]
    public void PosixToGoModeAsResticStoresIt(uint stMode, uint goMode, string type)
    {
        Assert.Equal(goMode, GoFileMode.FromPosix(stMode));
        Assert.Equal(stMode & 0xFFF, GoFileMode.ToPosixPermissions(goMode));
        Assert.Equal(stMode, GoFileMode.ToPosix(goMode));
        Assert.Equal(type, GoFileMode.NodeTypeOf(goMode));
        Assert.Equal(goMode & GoFileMode.TypeMask, GoFileMode.TypeBitsOf(type));
    }

    [Fact]
    public void ChardevValueAndFormatting()
    {
        Assert.Equal(69206416u, GoFileMode.FromPosix(0x2190));
        Assert.Equal("drwxr-xr-x", GoFileMode.Format(2147484141));
        Assert.Equal("dtrwxr-xr-x", GoFileMode.Format(2148532717));
        Assert.Equal("urwxr-xr-x", GoFileMode.Format(8389101));
        Assert.Equal("-rw-r--r--", GoFileMode.Format(420));
        Assert.Equal("Dcrw--w----", GoFileMode.Format(69206416));
        Assert.Equal(NodeType.Irregular, GoFileMode.NodeTypeOf(GoFileMode.Irregular | 0x1A4));
        Assert.Null(GoFileMode.NodeTypeOf(GoFileMode.Dir | GoFileMode.Symlink));
    }
}
