using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Lifeboat.Engine.Platform;

namespace Lifeboat.TestSupport;

/// <summary>
/// A private OpenSSH sshd for tests, on a free high port of 127.0.0.1: a throwaway host key and client keys in a temp
/// folder, the user <see cref="UserName"/> (created once: useradd, then <c>usermod -p '*'</c> so that key logins work
/// without PAM), AuthorizedKeysFile pointing into the temp folder, and the sftp subsystem starting in
/// <see cref="HomePath"/> (<c>sftp-server -d</c>), so relative repository paths land in this server's folder.
/// <para>
/// The client side never touches the real ~/.ssh: <see cref="ConfigPath"/> is an ssh_config with the Host alias
/// <see cref="HostAlias"/> (its port, user, IdentityFile, UserKnownHostsFile with the host key listed,
/// StrictHostKeyChecking yes, BatchMode yes), given to ssh with <c>-F</c>. Variants: <see cref="UnknownHostConfigPath"/>
/// (no host key known) and <see cref="WrongKeyConfigPath"/> (a key the server does not accept).
/// </para>
/// <para>
/// <see cref="Crash"/> kills sshd and every session it forked (by PID, from /proc), as a server going down does;
/// <see cref="Start"/> brings it back on the same port with the same host key. Dispose stops all of it by PID and
/// removes the folder.
/// </para>
/// </summary>
public sealed partial class SshServer : IDisposable
{
    public const string UserName = "lifeboat-sftp";
    public const string HostAlias = "lifeboat-test";
    private const string HostKeyAlias = "lifeboat-test-host-key";

    private static readonly object UserGate = new();
    private readonly TempDirectory _dir;
    private Process? _sshd;
    private readonly StringBuilder _log = new();
    private bool _disposed;

    public int Port { get; private set; }
    public string ConfigPath => _dir.Combine("ssh_config");
    public string UnknownHostConfigPath => _dir.Combine("ssh_config_unknown_host");
    public string WrongKeyConfigPath => _dir.Combine("ssh_config_wrong_key");
    /// <summary>The login folder of the sftp subsystem, owned by <see cref="UserName"/>: relative paths resolve here.</summary>
    public string HomePath => _dir.Combine("home");
    public int? ProcessId => _sshd is { HasExited: false } p ? p.Id : null;

    /// <summary>What sshd logged (its -e output), for failure messages.</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>Why no sshd can be started here, or null.</summary>
    public static string? UnavailableReason()
    {
        if (!OperatingSystem.IsLinux()) return "a private sshd needs Linux";
        if (Posix.GetUid() != 0) return "a private sshd needs root (it creates the user lifeboat-sftp)";
        if (!File.Exists("/usr/sbin/sshd")) return "sshd is not installed (Debian package openssh-server)";
        if (FindOnPath("ssh") is null || FindOnPath("ssh-keygen") is null) return "ssh is not installed (Debian package openssh-client)";
        return null;
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        return null;
    }

    public SshServer()
    {
        if (UnavailableReason() is { } reason) throw new InvalidOperationException(reason);
        EnsureUser();
        _dir = new TempDirectory("lb-sshd");
        try
        {
            // The user reads authorized_keys itself, so the folder must be searchable by others.
            File.SetUnixFileMode(_dir.Path, (UnixFileMode)0x1ED); // 0755
            Directory.CreateDirectory("/run/sshd");
            Keygen("host_key");
            Keygen("client_key");
            Keygen("wrong_key");
            File.Copy(_dir.Combine("client_key.pub"), _dir.Combine("authorized_keys"));
            File.SetUnixFileMode(_dir.Combine("authorized_keys"), (UnixFileMode)0x1A4); // 0644
            Directory.CreateDirectory(HomePath);
            Chown(HomePath);
            Port = LoopbackPort.Free();
            WriteConfigs();
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void Keygen(string name)
    {
        var r = ProcessRunner.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lifeboat-test", "-f", _dir.Combine(name)]);
        if (!r.Succeeded) throw new InvalidOperationException($"ssh-keygen failed: {r.Stderr.Trim()}");
    }

    private static void EnsureUser()
    {
        lock (UserGate)
        {
            if (ProcessRunner.Run("id", ["-u", UserName]).Succeeded) return;
            var add = ProcessRunner.Run("useradd", ["--system", "-M", "-d", "/", "-s", "/bin/sh", UserName]);
            if (!add.Succeeded && !ProcessRunner.Run("id", ["-u", UserName]).Succeeded)
                throw new InvalidOperationException($"useradd {UserName} failed: {add.Stderr.Trim()}");
            // '*' (not '!'): no password, but not locked, so sshd without PAM lets a key in.
            var mod = ProcessRunner.Run("usermod", ["-p", "*", UserName]);
            if (!mod.Succeeded) throw new InvalidOperationException($"usermod failed: {mod.Stderr.Trim()}");
        }
    }

    /// <summary>Gives a path (recursively) to <see cref="UserName"/>, e.g. a folder a test makes for an absolute repository path.</summary>
    public static void Chown(string path)
    {
        var r = ProcessRunner.Run("chown", ["-R", $"{UserName}:", path]);
        if (!r.Succeeded) throw new InvalidOperationException($"chown failed: {r.Stderr.Trim()}");
    }


    private void WriteConfigs()
    {
        var sftpServer = File.Exists("/usr/lib/openssh/sftp-server") ? "/usr/lib/openssh/sftp-server" : "internal-sftp";
        File.WriteAllText(_dir.Combine("sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {_dir.Combine("host_key")}
            PidFile {_dir.Combine("sshd.pid")}
            AuthorizedKeysFile {_dir.Combine("authorized_keys")}
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin no
            AllowUsers {UserName}
            MaxStartups 100:30:200
            MaxSessions 100
            PrintMotd no
            Subsystem sftp {sftpServer} -d {HomePath}

            """);
        var hostKey = File.ReadAllText(_dir.Combine("host_key.pub")).Split(' ');
        // under an alias rather than [127.0.0.1]:PORT, so that the same key is checked through a proxy on another port
        File.WriteAllText(_dir.Combine("known_hosts"), $"{HostKeyAlias} {hostKey[0]} {hostKey[1]}\n");
        File.WriteAllText(_dir.Combine("known_hosts_empty"), "");
        File.WriteAllText(ConfigPath, ClientConfig("client_key", "known_hosts"));
        File.WriteAllText(UnknownHostConfigPath, ClientConfig("client_key", "known_hosts_empty"));
        File.WriteAllText(WrongKeyConfigPath, ClientConfig("wrong_key", "known_hosts"));
    }

    private string ClientConfig(string key, string knownHosts) => $"""
        Host {HostAlias}
          HostName 127.0.0.1
          Port {Port}
          User {UserName}
          IdentityFile {_dir.Combine(key)}
          IdentitiesOnly yes
          IdentityAgent none
          HostKeyAlias {HostKeyAlias}
          UserKnownHostsFile {_dir.Combine(knownHosts)}
          GlobalKnownHostsFile /dev/null
          StrictHostKeyChecking yes
          CheckHostIP no
          UpdateHostKeys no
          BatchMode yes
          ConnectTimeout 10

        """;

    /// <summary>-o sftp.args for Lifeboat (restic 0.15's option): ssh reads only this server's ssh_config.</summary>
    public string SftpArgs(string? configPath = null) => $"-F {configPath ?? ConfigPath}";

    /// <summary>-o sftp.args that reach this server through a proxy listening on <paramref name="port"/> (the same host key).</summary>
    public string SftpArgsThrough(int port) => $"-F {ConfigPath} -p {port}";

    /// <summary>-o sftp.command for restic 0.14 (which has no sftp.args).</summary>
    public string SftpCommand(string? configPath = null) => $"ssh -F {configPath ?? ConfigPath} {HostAlias} -s sftp";

    /// <summary>sftp:lifeboat-test:PATH, a repository on this server (a relative path lands in <see cref="HomePath"/>).</summary>
    public static string Location(string path) => $"sftp:{HostAlias}:{path}";

    /// <summary>Starts sshd (again) and waits until it greets on its port.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_sshd is { HasExited: false }) return;
        _sshd?.Dispose();
        var info = new ProcessStartInfo("/usr/sbin/sshd")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-D", "-e", "-f", _dir.Combine("sshd_config") }) info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start sshd");
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _sshd = process;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (process.HasExited) throw new InvalidOperationException($"sshd exited ({process.ExitCode}): {Log}");
            if (Greets()) return;
            Thread.Sleep(50);
        }
        throw new InvalidOperationException($"sshd did not answer on 127.0.0.1:{Port} within 15 s: {Log}");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            if (_log.Length > 64 * 1024) _log.Remove(0, _log.Length - 32 * 1024);
            _log.AppendLine(line);
        }
    }

    private bool Greets()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            client.ReceiveTimeout = 2000;
            var buffer = new byte[4];
            int n = client.GetStream().ReadAtLeast(buffer, 4, throwOnEndOfStream: false);
            return n == 4 && Encoding.ASCII.GetString(buffer) == "SSH-";
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }

    /// <summary>Kills sshd and every session process it forked (SIGKILL by PID): the server is gone at once.</summary>
    public void Crash()
    {
        if (_sshd is null) return;
        var pids = Descendants(_sshd.Id);
        pids.Add(_sshd.Id);
        foreach (var pid in pids) _ = kill(pid, SIGKILL);
        _sshd.WaitForExit(10_000);
        var wait = Stopwatch.StartNew();
        while (wait.Elapsed < TimeSpan.FromSeconds(5) && pids.Any(p => Directory.Exists($"/proc/{p}"))) Thread.Sleep(20);
    }

    /// <summary>The processes below <paramref name="root"/> (children, their children, …), from /proc.</summary>
    private static HashSet<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
            }
        }
        var found = new HashSet<int>();
        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
                if ((parent == root || found.Contains(parent)) && found.Add(pid)) grew = true;
        }
        return found;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (_sshd is not null)
            {
                var pids = Descendants(_sshd.Id);
                if (!_sshd.HasExited)
                {
                    _ = kill(_sshd.Id, SIGTERM);
                    if (!_sshd.WaitForExit(5000)) _ = kill(_sshd.Id, SIGKILL);
                    _sshd.WaitForExit(5000);
                }
                foreach (var pid in pids) _ = kill(pid, SIGKILL);
                _sshd.Dispose();
            }
        }
        finally
        {
            _dir.Dispose();
        }
    }

    private const int SIGKILL = 9, SIGTERM = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
