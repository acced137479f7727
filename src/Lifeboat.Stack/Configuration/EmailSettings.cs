namespace Lifeboat.Stack.Configuration;

/// <summary>
/// The SMTP settings of an email notify: target. The password is never in lifeboat.yaml: it is read from
/// <see cref="PasswordFile"/>, which must be readable by its owner only. Credentials are only ever sent over TLS.
/// </summary>
public sealed record EmailSettings
{
    public required string Host { get; init; }
    /// <summary>587 (submission with STARTTLS) unless set.</summary>
    public int Port { get; init; } = 587;
    /// <summary>Upgrade the connection with STARTTLS before anything else is sent; a server without it is refused. On unless set to false.</summary>
    public bool StartTls { get; init; } = true;
    public required string From { get; init; }
    public required IReadOnlyList<string> To { get; init; }
    public string? Username { get; init; }
    /// <summary>Absolute path of the file holding the SMTP password (one line).</summary>
    public string? PasswordFile { get; init; }
    /// <summary>Absolute path of a PEM file of certificates to trust for this server beside the system's (a private relay's own CA).</summary>
    public string? CaFile { get; init; }
}
