using System.Buffers;
using System.Text;
using Lifeboat.Engine.Model;

namespace Lifeboat.Engine.Tests.Model;

public class GoQuoteTests
{
    private static string NameJson(string name)
    {
        var node = new Node { Name = name, Type = NodeType.File };
        var json = Encoding.UTF8.GetString(node.ToJson());
        int end = json.IndexOf(",\"type\"", StringComparison.Ordinal);
        return json["{\"name\":".Length..end];
    }

    [Fact]
    public void VerifiedNamesFromTheSpec()
    {
        var bad = FsNames.FromBytes([(byte)'b', (byte)'a', (byte)'d', 0xFF, (byte)'n', (byte)'a', (byte)'m', (byte)'e']);
        Assert.Equal("bad\\xffname", GoQuote.Quote(bad));
        Assert.Equal("\"bad\\\\xffname\"", NameJson(bad));

        const string weird = "we\"ird\\\\na<me>&\tx";
        Assert.Equal("\"we\\\\\\\"ird\\\\\\\\\\\\\\\\na\\u003cme\\u003e\\u0026\\\\tx\"", NameJson(weird));

        Assert.Equal("ü.txt", GoQuote.Quote("ü.txt"));
        Assert.Equal("\"ü.txt\"", NameJson("ü.txt"));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\nb", "a\\nb")]
    [InlineData("\a\b\f\r\t\v", "\\a\\b\\f\\r\\t\\v")]
    [InlineData("\u0001\u001f", "\\x01\\x1f")]
    [InlineData("del\u007f", "del\\x7f")]
    [InlineData("soft\u00adhyphen", "soft\\u00adhyphen")]
    [InlineData("zero\u200bwidth", "zero\\u200bwidth")]
    [InlineData("nb\u00a0sp", "nb\\u00a0sp")]
    [InlineData("ideo\u3000space", "ideo\\u3000space")]
    [InlineData("\u0085", "\\u0085")]
    [InlineData("\u2028", "\\u2028")]
    [InlineData("\ue000", "\\ue000")]
    [InlineData("\U000f0000", "\\U000f0000")]
    [InlineData("\U0001d173", "\\U0001d173")]
    [InlineData("\u0378", "\\u0378")]
    [InlineData("\ufeff", "\\ufeff")]
    [InlineData("é€😀\U00020000", "é€😀\U00020000")]
    [InlineData("\U0001F9FF", "\U0001F9FF")] // nazar amulet, Unicode 11: printable in go1.19
    [InlineData("\U0001FAE0", "\\U0001fae0")] // melting face, Unicode 14: unassigned for go1.19
    [InlineData("\u0870", "\\u0870")] // Arabic letter, Unicode 14
    [InlineData("\ufffd", "\ufffd")]
    [InlineData("\u00a1\u00ff\u0100", "\u00a1\u00ff\u0100")]
    [InlineData("q\"b\\s", "q\\\"b\\\\s")]
    [InlineData(" ~", " ~")]
    public void QuoteFollowsGo119(string name, string expected)
    {
        Assert.Equal(expected, GoQuote.Quote(name));
        Assert.Equal(name, GoQuote.Unquote(expected));
    }

    [Fact]
    public void InvalidUtf8BytesAreHexEscapedEachOnItsOwn()
    {
        // A surrogate encoded in UTF-8 and a truncated sequence: Go's DecodeRune reports width 1 for each byte.
        var name = FsNames.FromBytes([0xED, 0xA0, 0x80, (byte)'-', 0xE2, 0x82, (byte)'A', 0xC0, 0xAF]);
        Assert.Equal("\\xed\\xa0\\x80-\\xe2\\x82A\\xc0\\xaf", GoQuote.Quote(name));
    }

    [Theory]
    [InlineData("\\x41\\101\\u0041\\U00000041", "AAAA")]
    [InlineData("\\u00e9", "é")]
    [InlineData("\\xc3\\xa9", "é")] // bytes that form valid UTF-8 decode as text
    [InlineData("\\'", null)]
    [InlineData("a\"b", null)]
    [InlineData("a\\qb", null)]
    [InlineData("a\nb", null)]
    [InlineData("\\ud800", null)]
    [InlineData("\\U00110000", null)]
    [InlineData("\\400", null)]
    [InlineData("\\x4", null)]
    [InlineData("trailing\\", null)]
    public void UnquoteFollowsGo(string quoted, string? expected)
    {
        if (expected is null) Assert.Throws<FormatException>(() => GoQuote.Unquote(quoted));
        else Assert.Equal(expected, GoQuote.Unquote(quoted));
    }

    [Fact]
    public void UnquoteKeepsHexEscapedInvalidBytesAsRawBytes()
    {
        Assert.Equal(new byte[] { 0xFF, (byte)'a', 0xC3 }, FsNames.ToBytes(GoQuote.Unquote("\\xffa\\xc3")));
    }

    [Fact]
    public void RandomByteNamesRoundTrip()
    {
        var rng = new Random(1234);
        for (int i = 0; i < 20000; i++)
        {
            var bytes = new byte[rng.Next(0, 24)];
            // Mix in plenty of high bytes and valid multi-byte sequences.
            for (int k = 0; k < bytes.Length; k++)
                bytes[k] = rng.Next(4) switch { 0 => (byte)rng.Next(0x20, 0x7F), 1 => (byte)rng.Next(0, 0x20), _ => (byte)rng.Next(0x80, 0x100) };
            if (rng.Next(3) == 0)
            {
                var text = Encoding.UTF8.GetBytes(char.ConvertFromUtf32(rng.Next(0x80, 0x30000) is var cp && cp is >= 0xD800 and <= 0xDFFF ? 0x41 : cp));
                bytes = [.. bytes, .. text];
            }
            string name = FsNames.FromBytes(bytes);
            string quoted = GoQuote.Quote(name);
            Assert.True(FsNames.IsValidUtf8(quoted), "quoted text is valid UTF-8");
            Assert.Equal(bytes, FsNames.ToBytes(GoQuote.Unquote(quoted)));

            // And through a whole tree.
            var tree = new Tree([new Node { Name = name, Type = NodeType.File, Content = [] }]);
            var back = Tree.Parse(tree.ToJson());
            Assert.Equal(bytes, FsNames.ToBytes(back.Nodes[0].Name));
        }
    }

    [Fact]
    public void PrintableTableAgreesWithDotNetForStableAssignedCharacters()
    {
        // Sanity check of the generated Unicode 13 table against .NET's (newer) data: every code point .NET calls
        // non-printable must also be non-printable for Go, and the differences must be newly assigned code points only.
        int differences = 0;
        for (int cp = 0x100; cp < 0x30000; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) continue;
            var cat = System.Globalization.CharUnicodeInfo.GetUnicodeCategory(cp);
            bool dotnetPrint = cat is <= System.Globalization.UnicodeCategory.OtherLetter
                or System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark
                or System.Globalization.UnicodeCategory.EnclosingMark or System.Globalization.UnicodeCategory.DecimalDigitNumber
                or System.Globalization.UnicodeCategory.LetterNumber or System.Globalization.UnicodeCategory.OtherNumber
                or >= System.Globalization.UnicodeCategory.ConnectorPunctuation and <= System.Globalization.UnicodeCategory.OtherSymbol;
            bool goPrint = GoQuote.IsPrint(cp);
            if (goPrint && !dotnetPrint) Assert.Fail($"U+{cp:X4} printable for go1.19 but {cat} in .NET");
            if (dotnetPrint != goPrint) differences++;
        }
        Assert.InRange(differences, 1, 12000); // code points assigned in Unicode 14-16
    }
}
