using Lifeboat.Engine.Platform;

namespace Lifeboat.Stack.Configuration;

/// <summary>Finds and reads lifeboat.yaml: --config FILE, else $LIFEBOAT_CONFIG, else ./lifeboat.yaml.</summary>
public static class StackConfigLoader
{
    public const string DefaultFileName = "lifeboat.yaml";
    public const string EnvironmentVariable = "LIFEBOAT_CONFIG";

    /// <summary>
    /// The config file to use, or null when there is none. A file named explicitly (option or environment) must
    /// exist; ./lifeboat.yaml is used only when it is there.
    /// </summary>
    public static string? Locate(string? explicitPath, string? environmentPath, string workingDirectory)
    {
        if (!string.IsNullOrEmpty(explicitPath))
            return File.Exists(explicitPath) ? explicitPath : throw new StackException($"config file {explicitPath} (--config) does not exist");
        if (!string.IsNullOrEmpty(environmentPath))
            return File.Exists(environmentPath) ? environmentPath : throw new StackException($"config file {environmentPath} (${EnvironmentVariable}) does not exist");
        var local = Path.Combine(workingDirectory, DefaultFileName);
        return File.Exists(local) ? DefaultFileName : null;
    }

    /// <summary>Reads and parses a config file; <paramref name="path"/> is shown in errors as given.</summary>
    public static StackConfig Load(string path, string? defaultHost = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StackException($"cannot read config file {path}: {e.Message}");
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        return StackConfigParser.Parse(text, path, directory, defaultHost ?? Posix.HostName);
    }
}
