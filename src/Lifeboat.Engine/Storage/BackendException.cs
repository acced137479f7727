namespace Lifeboat.Engine.Storage;

/// <summary>What a backend's failure means for the caller: see <see cref="IBackend"/>'s contract.</summary>
public enum BackendErrorKind
{
    /// <summary>The file does not exist.</summary>
    NotFound,
    /// <summary>May pass: retried with backoff (connection lost or refused, timeout, 5xx, throttling).</summary>
    Transient,
    /// <summary>Will not pass: fails at once (authentication, permission, append-only refusal, missing bucket, full disk).</summary>
    Permanent,
}

/// <summary>A storage failure, classified; its message is one line naming the file or server and the cause.</summary>
public class BackendException(BackendErrorKind kind, string message, Exception? inner = null) : IOException(message, inner)
{
    public BackendErrorKind Kind { get; } = kind;
    public bool IsTransient => Kind == BackendErrorKind.Transient;

    public static BackendException Transient(string message, Exception? inner = null) => new(BackendErrorKind.Transient, message, inner);
    public static BackendException Permanent(string message, Exception? inner = null) => new(BackendErrorKind.Permanent, message, inner);
}
