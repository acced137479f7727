using System.Diagnostics;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Lifeboat.Engine.Platform;

namespace Lifeboat.TestSupport;

/// <summary>
/// A private Docker daemon for tests: dockerd (Debian's docker.io) started as root with its own data root, exec root,
/// pidfile and unix socket in a temp folder, no iptables, no bridge, no forwarding or masquerading, no userland proxy:
/// it touches no network and no other daemon's state. There is no registry: <see cref="EnsureBusyboxImage"/> imports
/// an image made from the host's static busybox, and <see cref="RunContainer"/> runs it with <c>--network none</c>.
/// <para>
/// <see cref="DisposeAsync"/> removes every container (docker rm -f), stops dockerd by its PID (SIGTERM, then SIGKILL
/// after 20 s), kills by PID whatever it left (containerd, shims and their container processes, found through their
/// command lines naming the temp folder), unmounts what is still mounted under the temp folder and removes it.
/// </para>
/// <para>
/// TestSupport does not reference xunit, so the xunit fixture is a thin wrapper in the test project
/// (Lifeboat.Stack.Tests' DockerDaemonFixture); <see cref="UnavailableReason"/> tells it when to skip.
/// </para>
/// </summary>
public sealed partial class DockerDaemon : IAsyncDisposable
{
    public const string DefaultImage = "lifeboat-test/busybox";

    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _root;
    private readonly Process _dockerd;
    private readonly string _dockerCli;
    private readonly object _imageGate = new();
    private readonly HashSet<string> _images = new(StringComparer.Ordinal);
    private int _disposed;

    private DockerDaemon(TempDirectory root, Process dockerd, string dockerCli)
    {
        _root = root;
        _dockerd = dockerd;
        _dockerCli = dockerCli;
    }

    /// <summary>The daemon's socket, e.g. unix:///tmp/lifeboat-dockerd-…/docker.sock.</summary>
    public Uri SocketUri => new("unix://" + SocketPath);

    public string SocketPath => _root.Combine("docker.sock");

    /// <summary>The temp folder holding the daemon's state; tests may make their bind-mount folders in it too.</summary>
    public string RootPath => _root.Path;

    /// <summary>dockerd's process ID.</summary>
    public int ProcessId => _dockerd.Id;

    /// <summary>How long StartAsync waited for the daemon to answer /_ping.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Why no daemon can be started here (not root, dockerd / docker / busybox missing), or null.</summary>
    public static string? UnavailableReason()
    {
        if (!OperatingSystem.IsLinux()) return "a private dockerd needs Linux";
        if (Posix.GetUid() != 0) return "a private dockerd needs root";
        if (FindDockerd() is null) return "dockerd is not installed (Debian package docker.io)";
        if (FindDockerCli() is null) return "the docker CLI is not installed (Debian package docker.io)";
        if (FindBusybox() is not { } busybox) return "busybox is not installed (Debian package busybox-static)";
        if (IsDynamicallyLinked(busybox)) return $"{busybox} is dynamically linked; the test image needs busybox-static";
        return null;
    }

    /// <summary>Starts a private dockerd and waits until /_ping answers (60 s at most).</summary>
    public static async Task<DockerDaemon> StartAsync(CancellationToken cancellationToken = default)
    {
        if (UnavailableReason() is { } reason) throw new InvalidOperationException(reason);
        string dockerd = FindDockerd()!;
        string cli = FindDockerCli()!;

        // Short name: the socket path must fit in sun_path (108 bytes).
        var root = new TempDirectory("lb-dockerd");
        Process? process = null;
        try
        {
            foreach (string dir in new[] { "data", "exec", "cli-config" }) Directory.CreateDirectory(root.Combine(dir));
            string socket = root.Combine("docker.sock");
            if (Encoding.UTF8.GetByteCount(socket) > 100)
                throw new InvalidOperationException($"socket path too long for a unix socket: {socket} (shorten TMPDIR)");

            var startInfo = new ProcessStartInfo(dockerd)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string arg in new[]
                     {
                         "--data-root", root.Combine("data"),
                         "--exec-root", root.Combine("exec"),
                         "-H", "unix://" + socket,
                         "--pidfile", root.Combine("docker.pid"),
                         "--iptables=false", "--ip-forward=false", "--ip-masq=false",
                         "--bridge=none", "--userland-proxy=false",
                         "--log-level=warn",
                     })
            {
                startInfo.ArgumentList.Add(arg);
            }
            // Nothing from the session's own docker setup leaks in.
            startInfo.Environment.Remove("DOCKER_HOST");
            startInfo.Environment.Remove("DOCKER_CONTEXT");

            var watch = Stopwatch.StartNew();
            process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {dockerd}");
            process.StandardInput.Close();
            var log = new DaemonLog();
            log.Follow(process.StandardOutput);
            log.Follow(process.StandardError);

            var daemon = new DockerDaemon(root, process, cli) { _log = log };
            try
            {
                await daemon.WaitForPingAsync(watch, cancellationToken).ConfigureAwait(false);
                daemon.StartupTime = watch.Elapsed;
                return daemon;
            }
            catch
            {
                await daemon.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch when (process is null)
        {
            root.Dispose();
            throw;
        }
    }

    private DaemonLog? _log;

    /// <summary>The last lines dockerd printed (warnings and errors), for failure messages.</summary>
    public string LogTail => _log?.Tail() ?? "";

    /// <summary>
    /// Runs the docker CLI against this daemon (docker -H unix://… ARGS) and returns what it printed; throws
    /// with its stderr when it fails.
    /// </summary>
    public ProcessResult RunDocker(params string[] args)
    {
        var result = TryRunDocker(args);
        if (!result.Succeeded)
            throw new InvalidOperationException(
                $"docker {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr.Trim()}");
        return result;
    }

    /// <summary>Like <see cref="RunDocker"/>, but a failure is returned, not thrown.</summary>
    public ProcessResult TryRunDocker(params string[] args)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var argv = new List<string> { "-H", SocketUri.ToString() };
        argv.AddRange(args);
        var env = new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = null,
            ["DOCKER_CONTEXT"] = null,
            ["DOCKER_CONFIG"] = _root.Combine("cli-config"), // no ~/.docker: no contexts, credential helpers, plugins
        };
        return ProcessRunner.Run(_dockerCli, argv, env, timeout: TimeSpan.FromMinutes(2));
    }

    /// <summary>
    /// Makes the test image once per daemon: a root filesystem of the host's static busybox (/bin/busybox with a
    /// relative symlink per applet: sh, sleep, cat, …), imported with docker import. Returns the tag.
    /// </summary>
    public string EnsureBusyboxImage(string tag = DefaultImage)
    {
        lock (_imageGate)
        {
            if (_images.Contains(tag)) return tag;
            string busybox = FindBusybox() ?? throw new InvalidOperationException("busybox is not installed");
            string rootfs = _root.Combine("rootfs-" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(tag)));
            string bin = Path.Combine(rootfs, "bin");
            Directory.CreateDirectory(bin);
            foreach (string dir in new[] { "dev", "proc", "sys", "etc", "root", "tmp", "var", "data" })
                Directory.CreateDirectory(Path.Combine(rootfs, dir));
            File.SetUnixFileMode(Path.Combine(rootfs, "tmp"), (UnixFileMode)0x3FF); // 1777
            File.Copy(busybox, Path.Combine(bin, "busybox"), overwrite: true);
            File.SetUnixFileMode(Path.Combine(bin, "busybox"), (UnixFileMode)0x1ED); // 0755

            var list = ProcessRunner.Run(busybox, ["--list"]);
            if (!list.Succeeded) throw new InvalidOperationException($"busybox --list failed: {list.Stderr}");
            foreach (string applet in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (applet == "busybox" || applet.Contains('/')) continue;
                string link = Path.Combine(bin, applet);
                if (!File.Exists(link)) File.CreateSymbolicLink(link, "busybox");
            }
            File.WriteAllText(Path.Combine(rootfs, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
            File.WriteAllText(Path.Combine(rootfs, "etc", "group"), "root:x:0:\n");

            string tar = rootfs + ".tar";
            var pack = ProcessRunner.Run("tar", ["-C", rootfs, "--numeric-owner", "--owner=0", "--group=0", "-cf", tar, "."]);
            if (!pack.Succeeded) throw new InvalidOperationException($"tar failed: {pack.Stderr}");
            RunDocker("import", tar, tag);
            File.Delete(tar);
            FileTrees.Remove(rootfs);
            _images.Add(tag);
            return tag;
        }
    }

    /// <summary>
    /// docker run -d --network none --name NAME -v HOST:CONTAINER… IMAGE sh -c COMMAND; returns the container's ID.
    /// The default image is made first when needed.
    /// </summary>
    public string RunContainer(string name, IReadOnlyDictionary<string, string>? bindMounts, string command,
        string image = DefaultImage)
    {
        if (image == DefaultImage) EnsureBusyboxImage();
        var args = new List<string> { "run", "-d", "--network", "none", "--name", name };
        foreach (var (host, container) in bindMounts ?? new Dictionary<string, string>())
        {
            args.Add("-v");
            args.Add($"{host}:{container}");
        }
        args.Add(image);
        args.Add("sh");
        args.Add("-c");
        args.Add(command);
        return RunDocker([.. args]).Stdout.Trim();
    }

    /// <summary>Stops everything this daemon started and removes its temp folder. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var problems = new List<string>();
        try
        {
            if (!_dockerd.HasExited)
            {
                // Kill the containers first: dockerd's own shutdown would give each its 10 s stop timeout.
                try
                {
                    var ids = ProcessRunner.Run(_dockerCli, ["-H", SocketUri.ToString(), "ps", "-aq"],
                        new Dictionary<string, string?> { ["DOCKER_CONFIG"] = _root.Combine("cli-config") },
                        timeout: TimeSpan.FromSeconds(30));
                    var list = ids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (ids.Succeeded && list.Length > 0)
                    {
                        ProcessRunner.Run(_dockerCli, ["-H", SocketUri.ToString(), "rm", "-f", "-v", .. list],
                            new Dictionary<string, string?> { ["DOCKER_CONFIG"] = _root.Combine("cli-config") },
                            timeout: TimeSpan.FromSeconds(60));
                    }
                }
                catch (Exception e) when (e is TimeoutException or InvalidOperationException or IOException)
                {
                    problems.Add("removing containers: " + e.Message);
                }
            }

            // The processes it runs (containerd, its shims, the containers' processes), by PID, before they go.
            var leftovers = ProcessesUnder(_root.Path, _dockerd.Id);

            if (!_dockerd.HasExited)
            {
                _ = kill(_dockerd.Id, SIGTERM);
                using var wait = new CancellationTokenSource(ShutdownTimeout);
                try
                {
                    await _dockerd.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    problems.Add($"dockerd (PID {_dockerd.Id}) ignored SIGTERM for {ShutdownTimeout.TotalSeconds:0} s; killed");
                    _ = kill(_dockerd.Id, SIGKILL);
                    await _dockerd.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }

            leftovers.UnionWith(ProcessesUnder(_root.Path, excludePid: -1));
            await KillAsync(leftovers).ConfigureAwait(false);

            foreach (string mount in MountsUnder(_root.Path))
            {
                var umount = ProcessRunner.Run("umount", [mount]);
                if (!umount.Succeeded) umount = ProcessRunner.Run("umount", ["-l", mount]);
                if (!umount.Succeeded) problems.Add($"umount {mount}: {umount.Stderr.Trim()}");
            }
            if (MountsUnder(_root.Path) is { Count: > 0 } still)
            {
                // Never rm -rf through a mount point: it could reach into whatever is mounted there.
                problems.Add($"still mounted, {_root.Path} kept: {string.Join(", ", still)}");
            }
            else
            {
                _root.Dispose();
            }
        }
        finally
        {
            _dockerd.Dispose();
        }
        if (problems.Count > 0)
            throw new InvalidOperationException("private dockerd cleanup: " + string.Join("; ", problems));
    }

    private async Task WaitForPingAsync(Stopwatch watch, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), token).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            UseProxy = false,
        }) { Timeout = TimeSpan.FromSeconds(5) };

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_dockerd.HasExited)
                throw new InvalidOperationException($"dockerd exited with {_dockerd.ExitCode} before answering: {LogTail}");
            if (File.Exists(SocketPath))
            {
                try
                {
                    using var response = await http.GetAsync("http://docker/_ping", cancellationToken).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode) return;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or SocketException
                                              || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                }
            }
            if (watch.Elapsed > StartupTimeout)
                throw new TimeoutException($"dockerd did not answer /_ping within {StartupTimeout.TotalSeconds:0} s: {LogTail}");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>PIDs of processes whose command line names <paramref name="root"/>, and all their descendants.</summary>
    private static HashSet<int> ProcessesUnder(string root, int excludePid)
    {
        var parents = new Dictionary<int, int>();
        var seeds = new HashSet<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1]);
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (pid != excludePid && cmdline.Contains(root, StringComparison.Ordinal)) seeds.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
                // It exited while being read.
            }
        }
        var found = new HashSet<int>(seeds);
        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                if (found.Contains(parent) && pid != excludePid && found.Add(pid)) grew = true;
            }
        }
        found.Remove(excludePid);
        return found;
    }

    private static async Task KillAsync(HashSet<int> pids)
    {
        var alive = pids.Where(IsAlive).ToList();
        if (alive.Count == 0) return;
        foreach (int pid in alive) _ = kill(pid, SIGTERM);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5) && alive.Any(IsAlive)) await Task.Delay(50).ConfigureAwait(false);
        foreach (int pid in alive.Where(IsAlive)) _ = kill(pid, SIGKILL);
        deadline.Restart();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5) && alive.Any(IsAlive)) await Task.Delay(50).ConfigureAwait(false);
    }

    private static bool IsAlive(int pid)
    {
        // A zombie still answers kill(0); its state in /proc/PID/stat is Z.
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Mount points at or under <paramref name="root"/>, deepest first.</summary>
    private static List<string> MountsUnder(string root)
    {
        var mounts = new List<string>();
        foreach (string line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            string[] fields = line.Split(' ');
            if (fields.Length < 5) continue;
            string target = Unescape(fields[4]);
            if (target == root || target.StartsWith(root + "/", StringComparison.Ordinal)) mounts.Add(target);
        }
        return mounts.Distinct().OrderByDescending(m => m.Length).ToList();

        // mountinfo escapes space, tab, newline and backslash as \ooo.
        static string Unescape(string s)
        {
            if (!s.Contains('\\')) return s;
            var sb = new StringBuilder();
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] == '\\' && i + 3 < s.Length)
                {
                    sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                    i += 3;
                }
                else sb.Append(s[i]);
            }
            return sb.ToString();
        }
    }

    /// <summary>True when the ELF file asks for a program interpreter (ld.so): it cannot run alone in an image.</summary>
    private static bool IsDynamicallyLinked(string path)
    {
        using var file = File.OpenRead(path);
        var header = new byte[Math.Min(file.Length, 8192)];
        file.ReadExactly(header);
        return header.AsSpan().IndexOf("/ld-linux"u8) >= 0 || header.AsSpan().IndexOf("/ld-musl"u8) >= 0;
    }

    private static string? FindDockerd() => FindExecutable("dockerd", "/usr/sbin/dockerd", "/usr/bin/dockerd");

    // Debian's CLI first (it matches the daemon); another docker on PATH (e.g. /usr/local/bin) only after it.
    private static string? FindDockerCli() => FindExecutable("docker", "/usr/bin/docker");

    private static string? FindBusybox() => FindExecutable("busybox", "/bin/busybox", "/usr/bin/busybox");

    private static string? FindExecutable(string name, params string[] preferred)
    {
        foreach (string path in preferred)
            if (File.Exists(path)) return path;
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private const int SIGKILL = 9;
    private const int SIGTERM = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    /// <summary>The last lines of dockerd's output, in memory.</summary>
    private sealed class DaemonLog
    {
        private readonly Queue<string> _tail = new();
        private readonly object _gate = new();

        public void Follow(StreamReader reader)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
                    {
                        lock (_gate)
                        {
                            _tail.Enqueue(line);
                            while (_tail.Count > 20) _tail.Dequeue();
                        }
                    }
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                }
            });
        }

        public string Tail()
        {
            lock (_gate) return string.Join("\n", _tail);
        }
    }
}
