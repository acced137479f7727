namespace Lifeboat.Engine.Filtering;

/// <summary>
/// restic's filter patterns: split at '/', a pattern matches when its parts match consecutive components of
/// the path at any depth (from the root only when it starts with '/'); so it also matches everything below a
/// matching directory. '**' spans any number of components; other parts use Go's filepath.Match.
/// </summary>
public sealed class PathPattern
{
    private readonly string[] _parts;

    public PathPattern(string pattern, bool caseInsensitive = false)
    {
        Text = pattern;
        CaseInsensitive = caseInsensitive;
        var cleaned = caseInsensitive ? pattern.ToLowerInvariant() : pattern;
        while (cleaned.Contains("//")) cleaned = cleaned.Replace("//", "/");
        if (cleaned.Length > 1 && cleaned.EndsWith('/')) cleaned = cleaned.TrimEnd('/');
        _parts = cleaned.Split('/');
    }

    public string Text { get; }
    public bool CaseInsensitive { get; }
    private bool IsAbsolute => _parts.Length > 0 && _parts[0].Length == 0;

    public static string[] SplitPath(string path, bool caseInsensitive) => (caseInsensitive ? path.ToLowerInvariant() : path).Split('/');

    public bool Matches(string path) => MatchParts(_parts, SplitPath(path, CaseInsensitive));

    /// <summary>True when something below this directory may match (restic's childMayMatch).</summary>
    public bool ChildMayMatch(string directory)
    {
        if (!IsAbsolute) return true;
        var parts = SplitPath(directory, CaseInsensitive);
        for (int i = 0; i < parts.Length && i < _parts.Length; i++)
        {
            if (_parts[i] == "**") return true;
            if (!MatchPart(_parts[i], parts[i])) return false;
        }
        return true;
    }

    private static bool MatchPart(string pattern, string name) =>
        GoGlob.IsSimple(pattern) ? pattern == name : GoGlob.Match(pattern, name);

    private static bool MatchParts(string[] pattern, string[] parts)
    {
        int dw = Array.IndexOf(pattern, "**");
        if (dw >= 0)
        {
            var before = pattern[..dw];
            var after = pattern[(dw + 1)..];
            for (int k = 0; k <= parts.Length; k++)
            {
                var expanded = new string[before.Length + k + after.Length];
                before.CopyTo(expanded, 0);
                for (int j = 0; j < k; j++) expanded[before.Length + j] = "*";
                after.CopyTo(expanded, before.Length + k);
                if (MatchParts(expanded, parts)) return true;
            }
            return false;
        }
        if (pattern.Length == 0) return parts.Length == 0;
        if (pattern.Length > parts.Length) return false;
        int maxOffset = parts.Length - pattern.Length;
        if (pattern[0].Length == 0) maxOffset = 0; // absolute: anchored at the root
        for (int offset = maxOffset; offset >= 0; offset--)
        {
            bool ok = true;
            for (int i = pattern.Length - 1; i >= 0 && ok; i--) ok = MatchPart(pattern[i], parts[offset + i]);
            if (ok) return true;
        }
        return false;
    }
}
