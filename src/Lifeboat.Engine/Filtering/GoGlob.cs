namespace Lifeboat.Engine.Filtering;

/// <summary>Go's path/filepath.Match for one path component: *, ?, [classes] with ranges and ^ negation, \ escapes.</summary>
public static class GoGlob
{
    public static bool IsSimple(string pattern) => pattern.IndexOfAny(['*', '?', '[', '\\']) < 0;

    public static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length)
            {
                char c = pattern[p];
                if (c == '*')
                {
                    starP = ++p;
                    starN = n;
                    continue;
                }
                if (c == '?' && name[n] != '/')
                {
                    p++; n++;
                    continue;
                }
                if (c == '[')
                {
                    int end = MatchClass(pattern, p, name[n], out bool ok);
                    if (end > 0 && ok) { p = end; n++; continue; }
                    if (end < 0) return false; // malformed pattern: Go returns ErrBadPattern, treated as no match
                }
                else if (c == '\\' && p + 1 < pattern.Length)
                {
                    if (pattern[p + 1] == name[n]) { p += 2; n++; continue; }
                }
                else if (c != '?' && c == name[n])
                {
                    p++; n++;
                    continue;
                }
            }
            // mismatch: let the last star swallow one more character (never a separator)
            if (starP >= 0 && name[starN] != '/')
            {
                p = starP;
                n = ++starN;
                continue;
            }
            return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>Matches one character against the class at pattern[start]=='['; returns the index after ']' or -1 when malformed.</summary>
    private static int MatchClass(ReadOnlySpan<char> pattern, int start, char ch, out bool matched)
    {
        int i = start + 1;
        bool negate = i < pattern.Length && pattern[i] == '^';
        if (negate) i++;
        bool found = false;
        bool first = true;
        while (i < pattern.Length && (pattern[i] != ']' || first))
        {
            first = false;
            char lo = pattern[i];
            if (lo == '\\' && i + 1 < pattern.Length) lo = pattern[++i];
            i++;
            char hi = lo;
            if (i + 1 < pattern.Length && pattern[i] == '-' && pattern[i + 1] != ']')
            {
                hi = pattern[i + 1];
                if (hi == '\\' && i + 2 < pattern.Length) { hi = pattern[i + 2]; i++; }
                i += 2;
            }
            if (lo <= ch && ch <= hi) found = true;
        }
        if (i >= pattern.Length) { matched = false; return -1; }
        matched = found != negate;
        return i + 1;
    }
}
