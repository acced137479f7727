namespace Lifeboat.Stack.Configuration;

/// <summary>
/// Everything the parser found in a lifeboat.yaml, not only the first problem: the doctor reports a refused
/// password key and app paths under never as checklist items of their own.
/// </summary>
public sealed record StackConfigAnalysis
{
    /// <summary>The parsed config when the file could be read to its end (it may still have the problems below).</summary>
    public StackConfig? Config { get; init; }
    /// <summary>What stopped the parse (bad YAML, unknown key, invalid value); null when it went through.</summary>
    public StackConfigException? Error { get; init; }
    /// <summary>Every password: key, which the file must never hold.</summary>
    public IReadOnlyList<StackConfigException> InlinePasswords { get; init; } = [];
    /// <summary>Every app path equal to or under a never path; only known when the parse went through.</summary>
    public IReadOnlyList<StackConfigException> PathsUnderNever { get; init; } = [];

    /// <summary>Every problem, in the order the other commands report the first of them.</summary>
    public IReadOnlyList<StackConfigException> Problems =>
        [.. InlinePasswords, .. Error is null ? Array.Empty<StackConfigException>() : [Error], .. PathsUnderNever];
}
