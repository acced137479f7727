namespace Lifeboat.Engine.Storage.Sftp;

/// <summary>
/// The program that carries the SFTP session, as restic builds it (buildSSHCommand): by default the system's
/// <c>ssh HOST [-p PORT] [-l USER] [ARGS…] -s sftp</c>, so that the user's ~/.ssh/config applies (aliases, ports,
/// IdentityFile, ProxyJump, known_hosts, agents); or <c>-o sftp.command="…"</c> run as given. <c>-o sftp.args="…"</c>
/// (restic 0.15) adds words before <c>-s sftp</c>; giving both is an error, as in restic.
/// </summary>
public sealed record SshCommand(string Program, IReadOnlyList<string> Args)
{
    public static SshCommand Build(SftpConfig config, string? command, string? args)
    {
        if (!string.IsNullOrEmpty(command))
        {
            if (!string.IsNullOrEmpty(args)) throw BackendException.Permanent("cannot specify both sftp.command and sftp.args options");
            var words = ShellSplitter.Split(command);
            return new SshCommand(words[0], words[1..]);
        }
        var list = new List<string> { config.Host };
        if (config.Port != "") list.AddRange(["-p", config.Port]);
        if (config.User != "") list.AddRange(["-l", config.User]);
        if (!string.IsNullOrEmpty(args)) list.AddRange(ShellSplitter.Split(args));
        list.AddRange(["-s", "sftp"]);
        return new SshCommand("ssh", list);
    }
}
