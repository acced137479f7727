namespace Lifeboat.Engine.Storage;

/// <summary>
/// What opening a backend needs besides its location: restic's extended options (<c>-o key=value</c>), the environment
/// its credentials come from, a CA certificate for self-signed servers, rate limits and how retries are made and shown.
/// The engine reads no environment of its own: the caller passes it in.
/// </summary>
public sealed record BackendSettings
{
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
    public Func<string, string?> Environment { get; init; } = _ => null;
    /// <summary>PEM file of certificates to trust besides the system's (restic's --cacert).</summary>
    public IReadOnlyList<string> CaCertificateFiles { get; init; } = [];
    /// <summary>Upload and download limits in bytes per second; null for none (restic's --limit-upload/--limit-download, given in KiB/s).</summary>
    public long? UploadLimit { get; init; }
    public long? DownloadLimit { get; init; }
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;
    public Action<RetryNotice>? OnRetry { get; init; }
    /// <summary>Faults to inject below the retries (testing Lifeboat itself); null in normal use.</summary>
    public FaultPlan? Faults { get; init; }
    /// <summary>A request that sends and receives nothing for this long is cancelled and retried (restic 0.19's
    /// --stuck-request-timeout); null for each backend's default.</summary>
    public TimeSpan? StuckRequestTimeout { get; init; }

    /// <summary>An extended option's value, or null.</summary>
    public string? Option(string key) => Options.TryGetValue(key, out var value) ? value : null;

    /// <summary><c>-o BACKEND.connections=N</c>, else the backend's default.</summary>
    public int Connections(string scheme, int fallback)
    {
        var text = Option($"{scheme}.connections");
        if (text is null) return fallback;
        if (!int.TryParse(text, out int n) || n < 1 || n > 128)
            throw new BackendException(BackendErrorKind.Permanent, $"invalid option {scheme}.connections=\"{text}\": want a number of connections from 1 to 128");
        return n;
    }
}
