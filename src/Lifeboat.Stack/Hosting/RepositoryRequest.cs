namespace Lifeboat.Stack.Hosting;

/// <summary>
/// Which repository to use and how, as a caller was told (restic's global options, null where not given); the
/// environment and the stack config fill in the rest (<see cref="RepositoryAccess"/>). Holds no password.
/// </summary>
public sealed record RepositoryRequest
{
    /// <summary>-r: the repository location.</summary>
    public string? Repository { get; init; }
    /// <summary>--repository-file: a file holding the location.</summary>
    public string? RepositoryFile { get; init; }
    /// <summary>--password-file.</summary>
    public string? PasswordFile { get; init; }
    /// <summary>--password-command: a shell command that prints the password.</summary>
    public string? PasswordCommand { get; init; }
    /// <summary>--key-hint: the key to try first.</summary>
    public string? KeyHint { get; init; }
    /// <summary>restic 0.17's --insecure-no-password: the repository's password is empty, and no other is given.</summary>
    public bool InsecureNoPassword { get; init; }
    /// <summary>--config: the lifeboat.yaml to use when no repository is given.</summary>
    public string? StackConfigPath { get; init; }
    /// <summary>Where ./lifeboat.yaml is looked for.</summary>
    public string WorkingDirectory { get; init; } = System.Environment.CurrentDirectory;
    /// <summary>--compression: auto, off or max.</summary>
    public string? Compression { get; init; }
    /// <summary>--pack-size in MiB.</summary>
    public int? PackSizeMiB { get; init; }
    /// <summary>-o key=value, as given.</summary>
    public IReadOnlyList<string> ExtendedOptions { get; init; } = [];
    /// <summary>--cacert files.</summary>
    public IReadOnlyList<string> CaCertificateFiles { get; init; } = [];
    /// <summary>--limit-upload and --limit-download in KiB/s; null or 0 for none.</summary>
    public int? UploadLimitKiB { get; init; }
    public int? DownloadLimitKiB { get; init; }
    /// <summary>--no-cache.</summary>
    public bool NoCache { get; init; }
    /// <summary>--cache-dir.</summary>
    public string? CacheDirectory { get; init; }
    /// <summary>--no-lock: commands that may run without a lock do.</summary>
    public bool NoLock { get; init; }
    /// <summary>--retry-lock: how long to keep trying when another process holds the lock; zero for not at all.</summary>
    public TimeSpan RetryLock { get; init; }
    /// <summary>--stuck-request-timeout: a remote request that makes no progress for this long is retried; null for the backend's default.</summary>
    public TimeSpan? StuckRequestTimeout { get; init; }
}
