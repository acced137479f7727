using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>What a dump entry connects with: its password (from its password-file) and its container's environment.</summary>
public sealed record DumpCredentials
{
    public string? Password { get; init; }

    /// <summary>The container's environment (docker inspect's Config.Env); null on the host.</summary>
    public IReadOnlyDictionary<string, string>? ContainerEnvironment { get; init; }

    /// <summary>The entry's password file, read; no container environment.</summary>
    public static Task<DumpCredentials> FromPasswordFileAsync(DumpConfig entry, CancellationToken cancellationToken) =>
        Task.FromResult(entry.PasswordFile is { } file ? new DumpCredentials { Password = ReadPasswordFile(entry, file) } : new DumpCredentials());

    /// <summary>
    /// A dump's password file, as its backup and its restore both read it: the content without its final line break
    /// (as echo or an editor leaves it); a file that cannot be read, or is empty, fails the dump in one line.
    /// </summary>
    internal static string ReadPasswordFile(DumpConfig dump, string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw DumpFailure.Of(dump, $"cannot read its password-file {file}: {e.Message}");
        }
        text = text.TrimEnd('\n', '\r');
        if (text.Length == 0) throw DumpFailure.Of(dump, $"its password-file {file} is empty");
        return text;
    }
}
