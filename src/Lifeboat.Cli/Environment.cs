namespace Lifeboat.Cli;

/// <summary>restic's environment variables; each may also be given as LIFEBOAT_…, which wins.</summary>
public static class Env
{
    /// <summary>A RESTIC_… variable (LIFEBOAT_… first); any other name (AWS_…, HOME) is read as it is.</summary>
    public static string? Get(string resticName)
    {
        if (resticName.StartsWith("RESTIC_", StringComparison.Ordinal))
        {
            var lifeboat = System.Environment.GetEnvironmentVariable("LIFEBOAT_" + resticName["RESTIC_".Length..]);
            if (!string.IsNullOrEmpty(lifeboat)) return lifeboat;
        }
        var restic = System.Environment.GetEnvironmentVariable(resticName);
        return string.IsNullOrEmpty(restic) ? null : restic;
    }
}
