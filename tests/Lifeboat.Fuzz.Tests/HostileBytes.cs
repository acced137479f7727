using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;

namespace Lifeboat.Fuzz.Tests;

/// <summary>
/// Generators of hostile input: random bytes, and valid encodings mutated the ways a damaged or crafted file differs
/// from a good one (bit flips, truncations, duplicated and absurd lengths and counts, huge numbers, deep nesting,
/// values of the wrong type).
/// </summary>
public static partial class HostileBytes
{
    /// <summary>Random bytes up to <paramref name="maxLength"/> long, short ones more often.</summary>
    public static Gen<byte[]> Random(int maxLength = 4096) =>
        Gen.Frequency((3, Gen.Byte.Array[0, 64]), (2, Gen.Byte.Array[0, 512]), (1, Gen.Byte.Array[0, maxLength]));

    /// <summary>Random printable text mixed with JSON punctuation: gets further into a JSON or YAML parser than random bytes.</summary>
    public static Gen<byte[]> RandomText(string alphabet, int maxLength = 2048) =>
        Gen.Char[alphabet].Array[0, maxLength].Select(c => Encoding.UTF8.GetBytes(c));

    public const string JsonAlphabet = "{}[]\":,0123456789.-+eE truefalsnul\\/abcdefxyz\n\t";
    public const string YamlAlphabet = "abcdefghijklmnopqrstuvwxyz-_:./ \n\t[]{},&*!|>'\"#%@`?0123456789";

    /// <summary>One of <paramref name="seeds"/> mutated one to four times, byte-level (binary formats).</summary>
    public static Gen<byte[]> MutatedBinary(IReadOnlyList<byte[]> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[1, 4], Gen.ULong, (i, n, seed) =>
        {
            var random = new System.Random((int)seed ^ (int)(seed >> 32));
            var bytes = seeds[i];
            for (int k = 0; k < n; k++) bytes = MutateBytes(bytes, random);
            return bytes;
        });

    /// <summary>One of <paramref name="seeds"/> (JSON or YAML text) mutated one to four times, byte-level or by token.</summary>
    public static Gen<byte[]> MutatedText(IReadOnlyList<byte[]> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[1, 4], Gen.ULong, (i, n, seed) =>
        {
            var random = new System.Random((int)seed ^ (int)(seed >> 32));
            var bytes = seeds[i];
            for (int k = 0; k < n; k++)
            {
                var next = random.Next(3) == 0 ? MutateBytes(bytes, random) : MutateTokens(bytes, random);
                if (next.Length <= MaxInputLength) bytes = next; // a mutation of a mutation may grow without end
            }
            return bytes;
        });

    /// <summary>No generated input is longer: the largest mutations (long strings, repeated elements) stay below it.</summary>
    public const int MaxInputLength = 64 * 1024;

    private static readonly byte[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'\\', (byte)'{', (byte)'[', (byte)'\n'];
    private static readonly uint[] InterestingInts = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 1 << 24, 16 * 1024 * 1024 + 5];

    public static byte[] MutateBytes(byte[] input, System.Random random)
    {
        var b = new List<byte>(input);
        int At(int extra = 0) => b.Count + extra == 0 ? 0 : random.Next(b.Count + extra);
        switch (random.Next(8))
        {
            case 0 when b.Count > 0: { int i = At(); b[i] ^= (byte)(1 << random.Next(8)); break; }
            case 1 when b.Count > 0: b[At()] = Interesting[random.Next(Interesting.Length)]; break;
            case 2: { int cut = random.Next(b.Count + 1); b.RemoveRange(cut, b.Count - cut); break; } // truncate
            case 3 when b.Count > 0: { int from = At(), len = random.Next(1, Math.Min(64, b.Count - from) + 1); b.InsertRange(At(1), b.GetRange(from, len)); break; } // duplicate
            case 4 when b.Count > 0: { int from = At(), len = random.Next(1, Math.Min(64, b.Count - from) + 1); b.RemoveRange(from, len); break; }
            case 5 when b.Count >= 4: // an absurd little-endian length or count
            {
                int i = random.Next(b.Count - 3);
                var span = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(span, InterestingInts[random.Next(InterestingInts.Length)]);
                for (int k = 0; k < 4; k++) b[i + k] = span[k];
                break;
            }
            case 6: b.AddRange(System.Linq.Enumerable.Repeat(Interesting[random.Next(Interesting.Length)], random.Next(1, 5000))); break;
            default: { var extra = new byte[random.Next(1, 16)]; random.NextBytes(extra); b.InsertRange(At(1), extra); break; }
        }
        return [.. b];
    }

    private static readonly string[] HugeNumbers =
        ["18446744073709551616", "9223372036854775808", "-1", "4611686018427387904", "1e400", "-0", "0.5", "1E+3", "99999999999999999999999999999999", "4294967296"];
    private static readonly string[] WrongTypes = ["null", "true", "[]", "{}", "\"\"", "\"x\"", "0", "[[]]", "{\"a\":{}}"];

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex Number();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex JsonString();

    [GeneratedRegex(@"\{[^{}]*\}|\[[^\[\]]*\]")]
    private static partial Regex Container();

    public static byte[] MutateTokens(byte[] input, System.Random random)
    {
        var text = Encoding.UTF8.GetString(input);
        string Replace(Regex pattern, Func<string> with)
        {
            var matches = pattern.Matches(text);
            if (matches.Count == 0) return text;
            var m = matches[random.Next(matches.Count)];
            return string.Concat(text.AsSpan(0, m.Index), with(), text.AsSpan(m.Index + m.Length));
        }
        text = random.Next(7) switch
        {
            0 => Replace(Number(), () => HugeNumbers[random.Next(HugeNumbers.Length)]),
            1 => Replace(JsonString(), () => WrongTypes[random.Next(WrongTypes.Length)]),
            2 => Replace(Number(), () => WrongTypes[random.Next(WrongTypes.Length)]),
            3 => Replace(Container(), () => { int depth = random.Next(1, 3) == 1 ? 100 : 5000; return new string('[', depth) + new string(']', depth); }),
            4 => Replace(Container(), () => { var c = ""; return c; }),
            5 => Replace(Container(), () => // the same element many times: a count far beyond the file's own
            {
                var m = Container().Matches(text);
                var one = m.Count == 0 ? "{}" : m[random.Next(m.Count)].Value;
                int times = Math.Min(random.Next(2, 2000), MaxInputLength / 2 / (one.Length + 1));
                return "[" + string.Join(",", Enumerable.Repeat(one, Math.Max(times, 1))) + "]";
            }),
            _ => Replace(JsonString(), () => "\"" + new string('a', random.Next(0, 40000)) + "\""),
        };
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>The seeds themselves: every valid encoding must round trip.</summary>
    public static Gen<byte[]> OneOf(IReadOnlyList<byte[]> seeds) => Gen.Int[0, seeds.Count - 1].Select(i => seeds[i]);
}
