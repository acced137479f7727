namespace Lifeboat.Engine.Repository;

/// <summary>What went wrong, in the categories restic's exit codes distinguish.</summary>
public enum RepositoryErrorKind
{
    /// <summary>Any other fatal error.</summary>
    Fatal,
    /// <summary>The location holds no repository (restic exit 10).</summary>
    NotFound,
    /// <summary>No key file opens with the password (restic exit 12).</summary>
    WrongPassword,
    /// <summary>Another process holds a conflicting lock (restic exit 11).</summary>
    Locked,
    /// <summary>A file in the repository is missing or does not verify.</summary>
    Damaged,
}

/// <summary>An error a user can cause or meet; its message is one line naming the thing and what to do.</summary>
public class RepositoryException(RepositoryErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public RepositoryErrorKind Kind { get; } = kind;
}
