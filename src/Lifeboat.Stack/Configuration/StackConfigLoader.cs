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

    /// <summary>
    /// Why the file must not be used, when others than its owner may change it: whoever can change it chooses the
    /// commands its hooks and dumps run as the user running Lifeboat (root, for the daemon), so it is refused as sshd
    /// refuses such an authorized_keys. Null when only its owner may write it.
    /// </summary>
    public static string? WritableByOthers(string path)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0) return null;
        return $"{path} can be changed by {((mode & UnixFileMode.OtherWrite) != 0 ? "anyone" : "its group")} (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}), and its hooks and dumps run commands as this user";
    }

    /// <summary>Reads and parses a config file; <paramref name="path"/> is shown in errors as given.</summary>
    public static StackConfig Load(string path, string? defaultHost = null)
    {
        string text;
        try
        {
            if (WritableByOthers(path) is { } problem) throw new StackException($"config file {problem}: run chmod go-w {path}");
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
