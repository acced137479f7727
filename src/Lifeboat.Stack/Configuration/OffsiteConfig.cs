namespace Lifeboat.Stack.Configuration;

/// <summary>
/// The stack's second repository (the "2" and "1" of 3-2-1: another medium, off the machine). Each backup run copies its
/// new snapshots there. Its password and credentials default to the primary repository's.
/// </summary>
public sealed record OffsiteConfig
{
    public required string Repository { get; init; }
    public string? PasswordFile { get; init; }
    public string? PasswordCommand { get; init; }
    public string? CredentialsFile { get; init; }

    /// <summary>True when the offsite repository has a password source of its own.</summary>
    public bool HasOwnPassword => PasswordFile is not null || PasswordCommand is not null;
}
