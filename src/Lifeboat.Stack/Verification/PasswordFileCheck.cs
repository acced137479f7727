using Lifeboat.Engine.Platform;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// The config's password file: it exists, no group or other user may read or write it (0600 or stricter), it belongs
/// to the user running Lifeboat, and it is not inside the stack's git work tree (where one `git add -A` commits it).
/// </summary>
public static class PasswordFileCheck
{
    public static DoctorCheck Run(StackConfig config, GitWorkTree? workTree)
    {
        if (config.PasswordFile is not { } file)
        {
            if (config.PasswordCommand is not null)
                return DoctorCheck.Pass(DoctorCheck.PasswordFile, "password-command",
                    "password-command is used, there is no password file to check; keep the store the command reads from as private as a 0600 file");
            return DoctorCheck.Warn(DoctorCheck.PasswordFile, config.File,
                "lifeboat.yaml names no password-file or password-command: a scheduled run has no password unless its environment gives one",
                "add password-file: /etc/lifeboat/password (a file of mode 0600 holding the password)");
        }

        if (!Posix.TryLStat(file, out var status, out int errno))
            return DoctorCheck.Fail(DoctorCheck.PasswordFile, file,
                errno == Errno.ENOENT ? $"{file} does not exist" : $"{file} cannot be read: {new PosixException(errno, "lstat", file).Message}",
                "put the repository password there (mode 0600), from your copy kept off this machine; for a new repository, lifeboat init writes one");
        if (status.IsSymlink)
        {
            // what matters is the file the link leads to
            var target = new FileInfo(file).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            if (target is null || !Posix.TryLStat(target, out status, out _))
                return DoctorCheck.Fail(DoctorCheck.PasswordFile, file, $"{file} is a symbolic link to nothing", "point password-file at the real password file");
        }

        var findings = new List<(DoctorStatus, string, string?)>();
        if (!status.IsRegularFile)
            findings.Add((DoctorStatus.Fail, $"{file} is not a regular file", "point password-file at a file holding the password"));
        var mode = status.Permissions & 0x1FF;
        if ((mode & 0x3F) != 0) // any group or other bit
            findings.Add((DoctorStatus.Fail, $"{file} has mode {Convert.ToString(mode, 8).PadLeft(4, '0')}: other users may {((mode & 0x24) != 0 ? "read" : "change")} it", $"chmod 600 {file}"));
        var me = Posix.GetEffectiveUid();
        if (status.Uid != me)
            findings.Add((DoctorStatus.Fail, $"{file} belongs to {UserText(status.Uid)}, not to {UserText(me)} who runs Lifeboat", $"chown {Posix.UserName(me) ?? me.ToString()} {file}"));
        if (workTree is not null && workTree.Contains(file))
            findings.Add((DoctorStatus.Fail, $"{file} is inside the git work tree {workTree.TopLevel}, where a commit can take it",
                $"move it out of {workTree.TopLevel} (e.g. to /etc/lifeboat/password) and change password-file"));
        if (findings.Count > 0) return DoctorCheck.Combine(DoctorCheck.PasswordFile, file, findings);
        return DoctorCheck.Pass(DoctorCheck.PasswordFile, file,
            $"{file}: mode {Convert.ToString(mode, 8).PadLeft(4, '0')}, owned by {UserText(me)}{(workTree is null ? "" : $", outside the git work tree {workTree.TopLevel}")}");
    }

    private static string UserText(uint uid) => Posix.UserName(uid) is { } name ? $"{name} (uid {uid})" : $"uid {uid}";
}
