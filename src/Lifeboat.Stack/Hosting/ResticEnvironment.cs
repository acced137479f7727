namespace Lifeboat.Stack.Hosting;

/// <summary>
/// The environment a repository is reached through: restic's variables, each of which may also be given as
/// LIFEBOAT_…, which wins. The lookup is the caller's (the process environment for the CLI, a dictionary in tests).
/// </summary>
public sealed class ResticEnvironment(Func<string, string?> lookup)
{
    /// <summary>The process's own environment.</summary>
    public static ResticEnvironment Process { get; } = new(System.Environment.GetEnvironmentVariable);

    /// <summary>A RESTIC_… variable (LIFEBOAT_… first); any other name (AWS_…, HOME) is read as it is. Empty counts as unset.</summary>
    public string? Get(string resticName)
    {
        if (resticName.StartsWith("RESTIC_", StringComparison.Ordinal))
        {
            var lifeboat = lookup("LIFEBOAT_" + resticName["RESTIC_".Length..]);
            if (!string.IsNullOrEmpty(lifeboat)) return lifeboat;
        }
        var restic = lookup(resticName);
        return string.IsNullOrEmpty(restic) ? null : restic;
    }

    /// <summary>A variable exactly as it is set (LIFEBOAT_CONFIG), without the LIFEBOAT_ rule.</summary>
    public string? GetExact(string name) => lookup(name);
}
