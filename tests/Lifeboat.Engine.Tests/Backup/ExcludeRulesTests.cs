using Lifeboat.Engine.Backup;
using Lifeboat.Engine.Platform;
using Lifeboat.TestSupport;

namespace Lifeboat.Engine.Tests.Backup;

/// <summary>
/// restic 0.14's exclude rules: --exclude and --iexclude patterns (negations too), --exclude-if-present, --exclude-caches,
/// --exclude-file and --one-file-system. The expected outcomes were taken from restic 0.14.0 itself: each pattern below,
/// and each tree, was backed up with restic and its snapshot listed.
/// </summary>
public sealed class ExcludeRulesTests : IDisposable
{
    private readonly TempDirectory _dir = new("lifeboat-exclude");

    public void Dispose() => _dir.Dispose();

    private static ExcludeRules Rules(params string[] patterns)
    {
        var rules = new ExcludeRules();
        foreach (var p in patterns) rules.AddPattern(p);
        return rules;
    }

    private static readonly FileStatus AFile = new() { Mode = FileModeBits.Regular | 0x1A4 };

    /// <summary>Pattern, absolute path, whether restic 0.14 excludes it.</summary>
    public static TheoryData<string, string, bool> Patterns => new()
    {
        { "*.log", "/srv/app.log", true },
        { "*.log", "/srv/logs/app.log.1", false },
        { "*.log", "/srv/app.log/inner", true }, // a directory named so, and so everything in it
        { "logs", "/srv/logs/x", true }, // a relative pattern matches at any depth
        { "logs", "/srv/mylogs", false },
        { "/srv/logs", "/srv/logs", true },
        { "/srv/logs", "/srv/logs/deeper/file", true },
        { "/srv/logs", "/data/srv/logs", false }, // an absolute one only from the root
        { "srv/logs", "/data/srv/logs", true },
        { "/srv/*/cache", "/srv/app/cache", true },
        { "/srv/*/cache", "/srv/a/b/cache", false }, // '*' stays within one component
        { "/srv/**/cache", "/srv/cache", true }, // '**' spans any number, none too
        { "/srv/**/cache", "/srv/a/b/cache", true },
        { "/srv/**/cache", "/data/srv/a/cache", false },
        { "**/node_modules", "/srv/web/node_modules", true },
        { "*.[ch]", "/srv/main.c", true },
        { "*.[ch]", "/srv/main.o", false },
        { "?.txt", "/srv/a.txt", true },
        { "?.txt", "/srv/ab.txt", false },
        { "[^a]*.txt", "/srv/abc.txt", false },
        { "[^a]*.txt", "/srv/bbc.txt", true },
        { "logs/", "/srv/logs", true }, // cleaned as Go's filepath.Clean does
        { "/srv//logs", "/srv/logs", true },
        { "*.LOG", "/srv/app.log", false }, // --exclude is case-sensitive
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Pattern_ExcludesWhatResticExcludes(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, Rules(pattern).IsExcluded(path, AFile));

    [Fact]
    public void InsensitivePattern_IgnoresCaseOfPatternAndPath()
    {
        var rules = new ExcludeRules();
        rules.AddInsensitivePattern("*.LOG");
        rules.AddInsensitivePattern("/SRV/Cache");
        Assert.True(rules.IsExcluded("/srv/App.Log", AFile));
        Assert.True(rules.IsExcluded("/srv/cache/x", AFile));
        Assert.False(rules.IsExcluded("/srv/app.txt", AFile));
        Assert.False(rules.IsExcluded("/data/srv/cache", AFile));
    }

    [Fact]
    public void NoRules_ExcludeNothing_AndEmptyPatternsAreIgnored()
    {
        var rules = Rules("", "");
        rules.AddInsensitivePattern("");
        Assert.True(rules.IsEmpty);
        Assert.False(rules.IsExcluded("/srv/a", AFile));
        Assert.False(Rules("*.log").IsEmpty);
    }

    /// <summary>Path, whether restic 0.14 excludes it, for the patterns of <see cref="NegatedPattern_ReincludesWhatItMatches"/>.</summary>
    public static TheoryData<string[], string[], string[]> Negations => new()
    {
        // Patterns apply in order: a negated one cancels the matches of those before it (and only those).
        { ["*.log", "!keep.log"], [], ["/r/d/drop.log"] },
        { ["!keep.log", "*.log"], [], ["/r/d/drop.log", "/r/d/keep.log", "/r/keep.log/inner.log", "/r/keep.log"] },
        // --exclude and --iexclude are separate lists: a negation in one does not cancel a match of the other.
        { ["*.log"], ["!KEEP.log"], ["/r/d/drop.log", "/r/d/keep.log", "/r/keep.log/inner.log", "/r/keep.log"] },
        { [], ["*.LOG", "!keep.log"], ["/r/d/drop.log"] },
        { ["*.log", "!**/keep.log", "**/keep.log/inner.log"], [], ["/r/d/drop.log", "/r/keep.log/inner.log"] },
        // A bare "!" negates nothing (restic cleans the empty rest to ".", which no path component is).
        { ["*.log", "!"], [], ["/r/d/drop.log", "/r/d/keep.log", "/r/keep.log/inner.log", "/r/keep.log"] },
    };

    [Theory]
    [MemberData(nameof(Negations))]
    public void NegatedPattern_ReincludesWhatItMatches(string[] patterns, string[] insensitive, string[] excluded)
    {
        var rules = Rules(patterns);
        foreach (var p in insensitive) rules.AddInsensitivePattern(p);
        string[] paths = ["/r/d/drop.log", "/r/d/keep.log", "/r/d/KEEP.TXT", "/r/keep.log/inner.log", "/r/keep.log"];
        Assert.Equal(excluded.Order(), paths.Where(p => rules.IsExcluded(p, AFile)).Order());
    }

    /// <summary>
    /// What a backup of the tree keeps: each entry the rules do not exclude, and nothing below an excluded directory (the
    /// archiver never enters it).
    /// </summary>
    private List<string> Kept(ExcludeRules rules, string root)
    {
        var kept = new List<string>();
        void Walk(string dir)
        {
            foreach (var name in Posix.ListDirectory(dir).Order(StringComparer.Ordinal))
            {
                var path = FsNames.Join(dir, name);
                var status = Posix.LStat(path);
                if (rules.IsExcluded(path, status)) continue;
                kept.Add(path[(root.Length + 1)..]);
                if (status.IsDirectory) Walk(path);
            }
        }
        Walk(root);
        return kept;
    }

    private void Write(string relative, string content)
    {
        var path = _dir.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    [Fact]
    public void TagFiles_ExcludeTheirDirectorysContents_ButNotThemselves()
    {
        Write("plain/a", "a");
        Write("tagged/.nobackup", "");
        Write("tagged/data", "d");
        Write("tagged/sub/x", "s");
        Write("hdr/.marker", "BACKUP=no\nrest");
        Write("hdr/data", "d");
        Write("badhdr/.marker", "other");
        Write("badhdr/data", "d");
        Write("short/.marker", "BACK");
        Write("short/data", "d");
        Write("Cache/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# a cache");
        Write("Cache/blob", "d");
        Write("NoSig/CACHEDIR.TAG", "hello\n");
        Write("NoSig/blob", "d");
        Write("linktag/data", "d");
        File.CreateSymbolicLink(_dir.Combine("linktag/.nobackup"), "../plain/a");
        Write("dirtag/data", "d");
        Write("dirtag/.nobackup/inside", "d");

        var rules = new ExcludeRules();
        rules.AddExcludeIfPresent(".nobackup");
        rules.AddExcludeIfPresent(".marker:BACKUP=no");
        rules.AddExcludeCaches();
        Assert.False(rules.IsEmpty);

        // restic 0.14.0's snapshot of this tree with --exclude-if-present .nobackup --exclude-if-present .marker:BACKUP=no
        // --exclude-caches: a tag of any kind (a symlink, a directory) counts when no header is asked for.
        Assert.Equal([
            "Cache", "Cache/CACHEDIR.TAG",
            "NoSig", "NoSig/CACHEDIR.TAG", "NoSig/blob",
            "badhdr", "badhdr/.marker", "badhdr/data",
            "dirtag", "dirtag/.nobackup", "dirtag/.nobackup/inside",
            "hdr", "hdr/.marker",
            "linktag", "linktag/.nobackup",
            "plain", "plain/a",
            "short", "short/.marker", "short/data",
            "tagged", "tagged/.nobackup",
        ], Kept(rules, _dir.Path));
    }

    [Fact]
    public void TagFileWithHeader_ThatIsADirectoryOrASymlink_IsReadAsRestic()
    {
        Write("dirtag/.marker/x", "BACKUP=no");
        Write("dirtag/data", "d");
        Write("target", "BACKUP=no, via a link");
        Write("linktag/data", "d");
        File.CreateSymbolicLink(_dir.Combine("linktag/.marker"), "../target");

        var rules = new ExcludeRules();
        rules.AddExcludeIfPresent(".marker:BACKUP=no");
        // A directory has no header to read (restic warns and keeps the contents); a symlink is followed, as restic opens it.
        Assert.Equal(["dirtag", "dirtag/.marker", "dirtag/.marker/x", "dirtag/data", "linktag", "linktag/.marker", "target"], Kept(rules, _dir.Path));
    }

    [Fact]
    public void ExcludeIfPresent_SplitsAtTheFirstColonOnly()
    {
        Write("a/.tag", "x:y:z and more");
        Write("a/data", "d");
        Write("b/.tag", "x:");
        Write("b/data", "d");
        var rules = new ExcludeRules();
        rules.AddExcludeIfPresent(".tag:x:y:z");
        Assert.Equal(["a", "a/.tag", "b", "b/.tag", "b/data"], Kept(rules, _dir.Path));
    }

    [Fact]
    public void PatternFile_SkipsBlanksAndComments_TrimsAndExpandsVariables()
    {
        Environment.SetEnvironmentVariable("LIFEBOAT_EXCLUDE_TEST_DIR", "/srv/data");
        try
        {
            Write("excludes", "# a comment\n\n   *.log   \n$LIFEBOAT_EXCLUDE_TEST_DIR/tmp\n${LIFEBOAT_EXCLUDE_TEST_DIR}/cache\n$LIFEBOAT_EXCLUDE_TEST_UNSET/x\n  # indented comment\n!keep.log\n");
            Assert.Equal(["*.log", "/srv/data/tmp", "/srv/data/cache", "/x", "!keep.log"], ExcludeRules.ReadPatternFile(_dir.Combine("excludes")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("LIFEBOAT_EXCLUDE_TEST_DIR", null);
        }
    }

    [Fact]
    public void OneFileSystem_KeepsOnlyMountPointsOfOtherDevices()
    {
        Write("mnt/file", "f");
        var here = Posix.LStat(_dir.Path).Device;
        ulong elsewhere = here + 1;
        var rules = new ExcludeRules();
        rules.RestrictToDevices([here]);

        Assert.False(rules.IsExcluded(_dir.Combine("mnt/file"), Posix.LStat(_dir.Combine("mnt/file"))));
        // Something on another device: a file is left out; a directory whose parent is on an allowed device is the mount
        // point, kept (empty, as restic keeps it); one whose parent is not allowed either is left out.
        Assert.True(rules.IsExcluded(_dir.Combine("mnt/file"), AFile with { Device = elsewhere }));
        var directory = new FileStatus { Mode = FileModeBits.Directory | 0x1ED, Device = elsewhere };
        Assert.False(rules.IsExcluded(_dir.Combine("mnt"), directory));
        var elsewhereOnly = new ExcludeRules();
        elsewhereOnly.RestrictToDevices([elsewhere + 1]);
        Assert.True(elsewhereOnly.IsExcluded(_dir.Combine("mnt"), directory));
    }
}
