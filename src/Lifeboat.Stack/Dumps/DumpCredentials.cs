using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>What a dump entry connects with: its password (from its password-file) and its container's environment.</summary>
public sealed record DumpCredentials
{
    public string? Password { get; init; }

    /// <summary>The container's environment (docker inspect's Config.Env); null on the host.</summary>
    public IReadOnlyDictionary<string, string>? ContainerEnvironment { get; init; }

    /// <summary>The entry's password file, read; no container environment.</summary>
    public static async Task<DumpCredentials> FromPasswordFileAsync(DumpConfig entry, CancellationToken cancellationToken)
    {
        if (entry.PasswordFile is not { } file) return new DumpCredentials();
        var text = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        return new DumpCredentials { Password = text.TrimEnd('\r', '\n') };
    }
}
