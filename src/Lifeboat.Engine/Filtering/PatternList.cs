namespace Lifeboat.Engine.Filtering;

/// <summary>
/// restic's filter.List and filter.ListWithChild: patterns tried in order, where one starting with '!' cancels the
/// matches of the patterns before it ("everything in /data but the caches"). Empty patterns are ignored, as restic
/// ignores them. One list per option: a negation in --exclude does not cancel a match of --iexclude.
/// </summary>
public sealed class PatternList
{
    private readonly List<(PathPattern Pattern, bool Negated)> _patterns = [];

    public PatternList(bool caseInsensitive = false) => CaseInsensitive = caseInsensitive;

    public PatternList(IEnumerable<string> patterns, bool caseInsensitive = false) : this(caseInsensitive)
    {
        foreach (var pattern in patterns) Add(pattern);
    }

    public bool CaseInsensitive { get; }

    public bool IsEmpty => _patterns.Count == 0;

    /// <summary>True when some pattern is negated: then a match of a directory says nothing about what is below it.</summary>
    public bool HasNegation { get; private set; }

    public void Add(string pattern)
    {
        if (pattern.Length == 0) return;
        bool negated = pattern.StartsWith('!');
        var text = negated ? pattern[1..] : pattern;
        // A bare "!" negates nothing: restic cleans the empty rest to ".", which no path component is.
        if (text.Length == 0) return;
        _patterns.Add((new PathPattern(text, CaseInsensitive), negated));
        HasNegation |= negated;
    }

    /// <summary>Whether the slash-separated <paramref name="path"/> is matched (restic's filter.List).</summary>
    public bool Matches(string path)
    {
        bool matched = false;
        foreach (var (pattern, negated) in _patterns)
        {
            // Only a pattern that can change the outcome is tried: a negation once matched, any other until then.
            if (negated == matched && pattern.Matches(path)) matched = !negated;
        }
        return matched;
    }

    /// <summary>
    /// Whether <paramref name="path"/> is matched, and whether something below it may be (restic's
    /// filter.ListWithChild): a negation that matches the path rules out everything below it too.
    /// </summary>
    public bool Matches(string path, out bool childMayMatch)
    {
        bool matched = false;
        childMayMatch = false;
        foreach (var (pattern, negated) in _patterns)
        {
            if (negated)
            {
                if ((matched || childMayMatch) && pattern.Matches(path)) matched = childMayMatch = false;
                continue;
            }
            if (!matched && pattern.Matches(path)) matched = true;
            // a pattern that matches the path matches below it too
            childMayMatch = childMayMatch || matched || pattern.ChildMayMatch(path);
            // without negations the result cannot change any more
            if (matched && !HasNegation) break;
        }
        return matched;
    }
}
