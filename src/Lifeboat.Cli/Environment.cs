using Lifeboat.Stack.Hosting;

namespace Lifeboat.Cli;

/// <summary>restic's environment variables in this process; each may also be given as LIFEBOAT_…, which wins.</summary>
public static class Env
{
    /// <summary>A RESTIC_… variable (LIFEBOAT_… first); any other name (AWS_…, HOME) is read as it is.</summary>
    public static string? Get(string resticName) => ResticEnvironment.Process.Get(resticName);
}
