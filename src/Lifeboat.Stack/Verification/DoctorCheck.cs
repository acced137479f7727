namespace Lifeboat.Stack.Verification;

/// <summary>
/// One item of the doctor's checklist. <see cref="Check"/> names the kind of item (config, secrets, never, repository,
/// password-file, git, hooks, backup, restore-test, containers, dumps); <see cref="Subject"/> what it was checked on (a file, the repository
/// location, an app). The reason says what was found; the fix what to do, when there is something to do.
/// Neither ever holds the repository password.
/// </summary>
public sealed record DoctorCheck(string Check, string Subject, DoctorStatus Status, string Reason, string? Fix = null)
{
    public const string Config = "config";
    public const string Secrets = "secrets";
    public const string Never = "never";
    public const string Repository = "repository";
    public const string Offsite = "offsite";
    public const string Placement = "placement";
    public const string PasswordFile = "password-file";
    public const string Git = "git";
    public const string Backup = "backup";
    public const string RestoreTest = "restore-test";
    public const string OffsiteRestoreTest = "offsite-restore-test";
    public const string Containers = "containers";
    public const string Hooks = "hooks";
    public const string Dumps = "dumps";

    /// <summary>Per-app items (backup, restore-test, containers, dumps) have the app as their subject.</summary>
    public bool IsPerApp => Check is Backup or RestoreTest or Containers or Dumps;

    public static DoctorCheck Pass(string check, string subject, string reason) => new(check, subject, DoctorStatus.Pass, reason);
    public static DoctorCheck Warn(string check, string subject, string reason, string fix) => new(check, subject, DoctorStatus.Warn, reason, fix);
    public static DoctorCheck Fail(string check, string subject, string reason, string fix) => new(check, subject, DoctorStatus.Fail, reason, fix);
    public static DoctorCheck Skip(string check, string subject, string reason) => new(check, subject, DoctorStatus.Skip, reason);

    /// <summary>Several findings about one subject as one item: the worst status, the reasons and fixes in order.</summary>
    public static DoctorCheck Combine(string check, string subject, IReadOnlyList<(DoctorStatus Status, string Reason, string? Fix)> findings)
    {
        var status = findings.Any(f => f.Status == DoctorStatus.Fail) ? DoctorStatus.Fail
            : findings.Any(f => f.Status == DoctorStatus.Warn) ? DoctorStatus.Warn
            : DoctorStatus.Pass;
        var fixes = findings.Select(f => f.Fix).OfType<string>().Distinct().ToList();
        // "find out why, then run lifeboat verify plex" already says "run lifeboat verify plex": said once
        fixes.RemoveAll(fix => fixes.Any(other => other != fix && other.Contains(fix, StringComparison.Ordinal)));
        // "a; also b" and "fix a, and fix b": still readable when the line puts "; fix" after the reason
        return new(check, subject, status, string.Join("; also ", findings.Select(f => f.Reason)), fixes.Count > 0 ? string.Join(", and ", fixes) : null);
    }
}
