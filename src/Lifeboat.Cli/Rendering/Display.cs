using System.Text;

namespace Lifeboat.Cli.Rendering;

/// <summary>Names carry non-UTF-8 bytes as lone surrogates; for output they become U+FFFD, as Go's JSON encoder does.</summary>
public static class Display
{
    public static string Text(string s)
    {
        bool bad = false;
        for (int i = 0; i < s.Length && !bad; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            bad = char.IsSurrogate(s[i]);
        }
        if (!bad) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(s, i, 2); i++; }
            else sb.Append(char.IsSurrogate(s[i]) ? '\uFFFD' : s[i]);
        }
        return sb.ToString();
    }
}
