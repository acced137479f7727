namespace Lifeboat.Stack.Hosting;

/// <summary>Where a repository password comes from.</summary>
public enum PasswordSourceKind
{
    /// <summary>Nowhere: only a prompt can supply it.</summary>
    None,
    /// <summary>A file whose content, trimmed, is the password (--password-file, $RESTIC_PASSWORD_FILE, the config's password-file).</summary>
    File,
    /// <summary>A shell command that prints it (--password-command, $RESTIC_PASSWORD_COMMAND, the config's password-command).</summary>
    Command,
    /// <summary>$RESTIC_PASSWORD itself.</summary>
    Environment,
}
