namespace Lifeboat.Cli;

/// <summary>restic's environment variables; each may also be given as LIFEBOAT_…, which wins.</summary>
public static class Env
{
    public static string? Get(string resticName)
    {
        var lifeboat = System.Environment.GetEnvironmentVariable("LIFEBOAT_" + resticName["RESTIC_".Length..]);
        if (!string.IsNullOrEmpty(lifeboat)) return lifeboat;
        var restic = System.Environment.GetEnvironmentVariable(resticName);
        return string.IsNullOrEmpty(restic) ? null : restic;
    }
}
