using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Dumps;

/// <summary>What a dump entry connects with: its password (from its password-file) and its container's environment.</summary>
public sealed record DumpCredentials
{
    public string? Password { get; init; }

    /// <summary>The container's environment (docker inspect's Config.Env); empty on the host.</summary>
    public IReadOnlyDictionary<string, string> ContainerEnvironment { get; init; } = new Dictionary<string, string>();

    public string? ContainerValue(string name) => ContainerEnvironment.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>The entry's password file, read; no container environment.</summary>
    public static async Task<DumpCredentials> FromPasswordFileAsync(DumpConfig entry, CancellationToken cancellationToken)
    {
        if (entry.PasswordFile is not { } file) return new DumpCredentials();
        var text = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        return new DumpCredentials { Password = text.TrimEnd('\r', '\n') };
    }
}
