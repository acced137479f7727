using Lifeboat.Engine.Filtering;

namespace Lifeboat.Engine.Restore;

/// <summary>
/// Which items of a snapshot a restore selects, by their location in it ("/dir/file"): the exclude patterns first
/// (an excluded directory is not entered), then the exact <see cref="RestoreOptions.SelectedPaths"/>, then the include
/// patterns (a directory is entered when something below it may match). Patterns follow restic's lists, '!' included.
/// </summary>
internal sealed class RestoreFilter
{
    private readonly PatternList _includes;
    private readonly PatternList _insensitiveIncludes;
    private readonly PatternList _excludes;
    private readonly PatternList _insensitiveExcludes;
    private readonly IReadOnlySet<string>? _selectedPaths;
    // the directories above the selected paths, which must be walked into
    private readonly HashSet<string>? _selectedAncestors;
    private readonly bool _hasIncludes;
    private readonly bool _hasExcludes;
    // without negated includes, whatever is below a selected directory is selected too (unless excluded)
    private readonly bool _selectionCoversSubtree;

    public RestoreFilter(RestoreOptions options)
    {
        _includes = new PatternList(options.Includes);
        _insensitiveIncludes = new PatternList(options.InsensitiveIncludes, caseInsensitive: true);
        _excludes = new PatternList(options.Excludes);
        _insensitiveExcludes = new PatternList(options.InsensitiveExcludes, caseInsensitive: true);
        _hasIncludes = !_includes.IsEmpty || !_insensitiveIncludes.IsEmpty;
        _hasExcludes = !_excludes.IsEmpty || !_insensitiveExcludes.IsEmpty;
        _selectionCoversSubtree = !_includes.HasNegation && !_insensitiveIncludes.HasNegation;
        _selectedPaths = options.SelectedPaths;
        if (_selectedPaths is not null)
        {
            _selectedAncestors = new HashSet<string>(StringComparer.Ordinal);
            foreach (var path in _selectedPaths)
                for (int slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
                    if (!_selectedAncestors.Add(path[..slash])) break;
        }
    }

    /// <summary>
    /// Whether the item at <paramref name="location"/> is restored, and (for a directory) whether something below it may
    /// be. <paramref name="insideSelected"/>: a directory above it was selected.
    /// </summary>
    public bool Select(string location, bool isDirectory, bool insideSelected, out bool childMaySelect)
    {
        childMaySelect = isDirectory;
        if (_hasExcludes && (_excludes.Matches(location) || _insensitiveExcludes.Matches(location)))
        {
            childMaySelect = false;
            return false;
        }
        if (insideSelected && _selectionCoversSubtree) return true;
        if (_selectedPaths is not null && !insideSelected)
        {
            bool chosen = _selectedPaths.Contains(location);
            childMaySelect = isDirectory && !chosen && _selectedAncestors!.Contains(location);
            if (!chosen || !_hasIncludes) return chosen;
            childMaySelect = isDirectory;
        }
        if (!_hasIncludes) return true;
        bool matched = _includes.Matches(location, out bool childMay);
        if (!_insensitiveIncludes.IsEmpty)
        {
            matched |= _insensitiveIncludes.Matches(location, out bool childMayInsensitive);
            childMay |= childMayInsensitive;
        }
        childMaySelect = isDirectory && childMay;
        return matched;
    }
}
