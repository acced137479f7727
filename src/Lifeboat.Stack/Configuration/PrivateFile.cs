namespace Lifeboat.Stack.Configuration;

/// <summary>
/// A file that holds a secret beside lifeboat.yaml (storage credentials, an SMTP password, a ping URL): it must be
/// readable by its owner only, and one that others can read is refused, since whoever reads it holds the secret.
/// </summary>
public static class PrivateFile
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                                              UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The file's text; <paramref name="what"/> ("credentials file") names it in errors, which never hold its content.</summary>
    /// <exception cref="StackException">It cannot be read, or others can read it.</exception>
    public static string ReadAllText(string path, string what)
    {
        UnixFileMode mode;
        string text;
        try
        {
            mode = File.GetUnixFileMode(path);
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StackException($"cannot read {what} {path}: {e.Message}");
        }
        if ((mode & GroupOrOther) != 0)
            throw new StackException($"{what} {path} can be read by others (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}): run chmod 600 {path}");
        return text;
    }
}
