namespace Lifeboat.Stack.Configuration;

/// <summary>
/// The dashboard section of lifeboat.yaml: who may use the page beyond this machine, and its certificate. It never holds
/// a secret itself: the password file holds a PBKDF2 hash made by `lifeboat dashboard hash-password`.
/// </summary>
public sealed record DashboardConfig
{
    /// <summary>The file with the password's hash (absolute); null: no password, so the page is served on loopback only.</summary>
    public string? PasswordFile { get; init; }
    /// <summary>A PEM certificate (chain) for HTTPS (absolute); null: plain HTTP.</summary>
    public string? TlsCertificate { get; init; }
    /// <summary>The certificate's PEM private key (absolute).</summary>
    public string? TlsKey { get; init; }
}
