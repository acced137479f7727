using System.Buffers;
using System.Text;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Model;

public class GoJsonTests
{
    private static string Write(byte[] raw)
    {
        var w = new ArrayBufferWriter<byte>();
        GoJson.WriteString(w, raw);
        return Encoding.UTF8.GetString(w.WrittenSpan);
    }

    [Fact]
    public void EscapesLikeGoEncodingJson()
    {
        Assert.Equal("\"a\\\"b\\\\c\\n\\r\\t\"", Write("a\"b\\c\n\r\t"u8.ToArray()));
        Assert.Equal("\"\\u0000\\u0001\\u0008\\u000c\\u001f\"", Write([0, 1, 8, 12, 31]));
        Assert.Equal("\"\\u003c\\u003e\\u0026\"", Write("<>&"u8.ToArray()));
        Assert.Equal("\"\u007f/'+ü€😀\"", Write(Encoding.UTF8.GetBytes("\u007f/'+ü€😀")));
        Assert.Equal("\"\\u2028\\u2029\u2027\"", Write(Encoding.UTF8.GetBytes("\u2028\u2029\u2027")));
        Assert.Equal("\"a\\ufffdb\"", Write([(byte)'a', 0xFF, (byte)'b']));
        Assert.Equal("\"\\ufffd\\ufffd\\ufffd\"", Write([0xED, 0xA0, 0x80]));
        Assert.Equal("\"\\ufffd\\ufffdA\"", Write([0xE2, 0x82, (byte)'A']));
        Assert.Equal("\"\\ufffd\"", Write([0xF0]));
        Assert.Equal("\"\"", Write([]));
    }

    [Fact]
    public void EscapedSurrogatesFromStringsBecomeReplacement()
    {
        var w = new ArrayBufferWriter<byte>();
        GoJson.WriteString(w, FsNames.FromBytes([(byte)'x', 0xFE]));
        Assert.Equal("\"x\\ufffd\"", Encoding.UTF8.GetString(w.WrittenSpan));
    }

    [Fact]
    public void CompactsRawJsonLikeGo()
    {
        var w = new ArrayBufferWriter<byte>();
        GoJson.WriteCompact(w, "{ \"a\" : [ 1, \"x y<\\\"&>\" ],\n\t\"b\": \"\u2028\" }"u8);
        Assert.Equal("{\"a\":[1,\"x y\\u003c\\\"\\u0026\\u003e\"],\"b\":\"\\u2028\"}", Encoding.UTF8.GetString(w.WrittenSpan));
    }
}
