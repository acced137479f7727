namespace Lifeboat.Engine.Storage;

/// <summary>
/// Opens the backend a repository string names, with restic's meaning for every form: a path or <c>local:PATH</c>,
/// <c>sftp:</c>, <c>rest:</c>, <c>s3:</c> and <c>rclone:</c>. Remote backends come wrapped in the layers they all share
/// (retries with backoff, rate limits); a local one needs neither.
/// </summary>
public static class BackendFactory
{
    /// <summary>Schemes restic knows that Lifeboat does not speak (yet): named in the error instead of read as a local path.</summary>
    private static readonly string[] Unsupported = ["b2", "azure", "gs", "swift"];

    public static IBackend Open(string location, BackendSettings settings)
    {
        var scheme = SchemeOf(location);
        IBackend backend = scheme switch
        {
            "local" => new LocalBackend(location["local:".Length..]),
            "sftp" => new Sftp.SftpBackend(location, settings),
            null => new LocalBackend(location),
            "rest" => Rest.RestBackend.Open(location, settings),
            "rclone" => Rest.RcloneBackend.Open(location, settings),
            "s3" => S3.S3Backend.Open(location, settings),
            _ => throw new BackendException(BackendErrorKind.Permanent,
                $"repository {Redact(location)}: the {scheme} backend is not supported by this version of Lifeboat; use a local path, sftp:, rest:, s3: or rclone:"),
        };
        return Wrap(backend, settings);
    }

    /// <summary>Retries and rate limits around a backend; a local one is used as it is.</summary>
    public static IBackend Wrap(IBackend backend, BackendSettings settings)
    {
        if (settings.Faults is { } faults) backend = new FaultInjectingBackend(backend, faults);
        if (backend.IsLocal && settings.UploadLimit is null && settings.DownloadLimit is null) return backend;
        if (settings.UploadLimit is not null || settings.DownloadLimit is not null)
            backend = new RateLimitedBackend(backend, settings.UploadLimit, settings.DownloadLimit);
        return backend.IsLocal ? backend : new RetryBackend(backend, settings.Retry, settings.OnRetry);
    }

    /// <summary>The scheme a repository string starts with, as restic reads it; null for a plain path.</summary>
    public static string? SchemeOf(string location)
    {
        foreach (var scheme in (string[])["local", "sftp", "rest", "s3", "rclone", .. Unsupported])
            if (location.StartsWith(scheme + ":", StringComparison.Ordinal)) return scheme;
        return null;
    }

    /// <summary>The location with any password in a URL replaced by ***, for messages and logs.</summary>
    public static string Redact(string location)
    {
        int scheme = location.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return location;
        int hostStart = scheme + 3;
        int pathStart = location.IndexOf('/', hostStart);
        int at = location.LastIndexOf('@', pathStart < 0 ? location.Length - 1 : pathStart - 1);
        if (at < hostStart) return location;
        int colon = location.IndexOf(':', hostStart);
        if (colon < 0 || colon > at) return location;
        return location[..(colon + 1)] + "***" + location[at..];
    }
}
