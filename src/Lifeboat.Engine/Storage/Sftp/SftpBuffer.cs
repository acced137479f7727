using System.Buffers.Binary;
using System.Text;

namespace Lifeboat.Engine.Storage.Sftp;

/// <summary>Builds one outgoing packet: uint32 length, then the body; big-endian, strings length-prefixed.</summary>
internal sealed class SftpWriter
{
    private byte[] _buffer;
    private int _length = 4;

    public SftpWriter(byte type, int capacity = 256)
    {
        _buffer = new byte[Math.Max(capacity, 64)];
        Byte(type);
    }

    private Span<byte> Take(int n)
    {
        if (_length + n > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + n));
        var span = _buffer.AsSpan(_length, n);
        _length += n;
        return span;
    }

    public SftpWriter Byte(byte value)
    {
        Take(1)[0] = value;
        return this;
    }

    public SftpWriter UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);
        return this;
    }

    public SftpWriter UInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(Take(8), value);
        return this;
    }

    public SftpWriter String(ReadOnlySpan<byte> value)
    {
        UInt32((uint)value.Length);
        value.CopyTo(Take(value.Length));
        return this;
    }

    public SftpWriter String(string value) => String(Encoding.UTF8.GetBytes(value));

    /// <summary>Attributes with only the permission bits set, or none.</summary>
    public SftpWriter Attributes(uint? permissions)
    {
        if (permissions is { } p) return UInt32(SftpProtocol.AttrPermissions).UInt32(p);
        return UInt32(0);
    }

    /// <summary>The finished packet, its length field filled in.</summary>
    public ReadOnlyMemory<byte> Packet()
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer, (uint)(_length - 4));
        return _buffer.AsMemory(0, _length);
    }
}

/// <summary>Reads one incoming packet's body; every length is checked against what is left, so a lying server only gets an error.</summary>
internal ref struct SftpReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly int Remaining => _rest.Length;

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > _rest.Length) throw new SftpConnectionException("sftp: the server sent a malformed packet");
        var span = _rest[..n];
        _rest = _rest[n..];
        return span;
    }

    public byte Byte() => Take(1)[0];
    public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    public ulong UInt64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

    public ReadOnlySpan<byte> Bytes()
    {
        uint n = UInt32();
        if (n > (uint)_rest.Length) throw new SftpConnectionException("sftp: the server sent a malformed packet");
        return Take((int)n);
    }

    public string String() => Encoding.UTF8.GetString(Bytes());

    public SftpAttributes Attributes()
    {
        uint flags = UInt32();
        ulong size = 0;
        uint permissions = 0;
        if ((flags & SftpProtocol.AttrSize) != 0) size = UInt64();
        if ((flags & SftpProtocol.AttrUidGid) != 0) { UInt32(); UInt32(); }
        if ((flags & SftpProtocol.AttrPermissions) != 0) permissions = UInt32();
        if ((flags & SftpProtocol.AttrAcModTime) != 0) { UInt32(); UInt32(); }
        if ((flags & SftpProtocol.AttrExtended) != 0)
        {
            uint count = UInt32();
            // Each pair takes at least 8 bytes: the count cannot make us loop beyond the packet.
            if (count > (uint)_rest.Length / 8) throw new SftpConnectionException("sftp: the server sent a malformed packet");
            for (uint i = 0; i < count; i++) { Bytes(); Bytes(); }
        }
        return new SftpAttributes(flags, size, permissions);
    }
}
