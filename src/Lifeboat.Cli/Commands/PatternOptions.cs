using System.CommandLine;
using Lifeboat.Engine.Backup;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// restic's pattern flags of restore (0.17) and rewrite (0.19): --exclude, --include and their case-insensitive forms,
/// each also read from files (--exclude-file ...: one pattern a line, blank lines and # comments skipped, $VARS expanded).
/// </summary>
public sealed class PatternOptions
{
    public readonly Option<string[]> Exclude = new("--exclude", "-e") { Description = "exclude a pattern (can be specified multiple times)" };
    public readonly Option<string[]> IExclude = new("--iexclude") { Description = "same as --exclude but ignores the casing of filenames" };
    public readonly Option<string[]> ExcludeFile = new("--exclude-file") { Description = "read exclude patterns from a file (can be specified multiple times)" };
    public readonly Option<string[]> IExcludeFile = new("--iexclude-file") { Description = "same as --exclude-file but ignores casing of filenames in patterns" };
    public readonly Option<string[]> Include = new("--include", "-i") { Description = "include a pattern (can be specified multiple times)" };
    public readonly Option<string[]> IInclude = new("--iinclude") { Description = "same as --include but ignores the casing of filenames" };
    public readonly Option<string[]> IncludeFile = new("--include-file") { Description = "read include patterns from a file (can be specified multiple times)" };
    public readonly Option<string[]> IIncludeFile = new("--iinclude-file") { Description = "same as --include-file but ignores casing of filenames in patterns" };

    public void AddTo(Command command)
    {
        foreach (var option in new[] { Exclude, IExclude, ExcludeFile, IExcludeFile, Include, IInclude, IncludeFile, IIncludeFile })
            command.Options.Add(option);
    }

    /// <summary>The patterns of one kind, given and read from files, in restic's order (the flags' first).</summary>
    public sealed record Patterns(IReadOnlyList<string> Excludes, IReadOnlyList<string> InsensitiveExcludes, IReadOnlyList<string> Includes, IReadOnlyList<string> InsensitiveIncludes)
    {
        public bool HasExcludes => Excludes.Count > 0 || InsensitiveExcludes.Count > 0;
        public bool HasIncludes => Includes.Count > 0 || InsensitiveIncludes.Count > 0;
    }

    /// <summary>The patterns; excludes and includes together are refused, as restic refuses them.</summary>
    public Patterns Get(ParseResult parse)
    {
        var patterns = new Patterns(
            Read(parse, Exclude, ExcludeFile), Read(parse, IExclude, IExcludeFile),
            Read(parse, Include, IncludeFile), Read(parse, IInclude, IIncludeFile));
        if (patterns.HasExcludes && patterns.HasIncludes) throw new CliException("exclude and include patterns are mutually exclusive");
        return patterns;
    }

    private static List<string> Read(ParseResult parse, Option<string[]> given, Option<string[]> files)
    {
        var patterns = new List<string>(parse.GetValue(given) ?? []);
        foreach (var file in parse.GetValue(files) ?? [])
        {
            try
            {
                patterns.AddRange(ExcludeRules.ReadPatternFile(file));
            }
            catch (IOException e)
            {
                throw new CliException($"failed to read pattern file {file}: {e.Message}");
            }
        }
        return patterns;
    }
}
