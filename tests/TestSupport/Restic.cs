using Lifeboat.Engine.Platform;

namespace Lifeboat.TestSupport;

/// <summary>
/// Runs the real restic against one repository. The repository and password go in through the environment
/// (RESTIC_REPOSITORY, RESTIC_PASSWORD), never on the command line, and never into messages. Each instance has
/// its own cache directory, removed on Dispose.
/// </summary>
public sealed class Restic : IDisposable
{
    public const string DefaultBinary = "/usr/bin/restic";

    /// <summary>$RESTIC_BIN, else /usr/bin/restic.</summary>
    public static string Binary => Environment.GetEnvironmentVariable("RESTIC_BIN") is { Length: > 0 } bin ? bin : DefaultBinary;

    public string Repository { get; }
    private readonly string _password;
    private readonly TempDirectory? _cache;
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    public Restic(string repository, string password, bool useCache = true)
    {
        Repository = repository;
        _password = password;
        if (useCache) _cache = new TempDirectory("lifeboat-restic-cache");
    }

    /// <summary>Runs restic with these arguments (an argv list; no shell). Returns whatever it did.</summary>
    public ProcessResult Run(IEnumerable<string> args, string? stdin = null, IDictionary<string, string?>? extraEnv = null,
        string? workingDirectory = null)
    {
        var argv = new List<string>();
        if (_cache is null) argv.Add("--no-cache");
        else { argv.Add("--cache-dir"); argv.Add(_cache.Path); }
        argv.AddRange(args);

        var env = new Dictionary<string, string?>
        {
            ["RESTIC_REPOSITORY"] = Repository,
            ["RESTIC_PASSWORD"] = _password,
            // Inherited settings that would override or confuse ours.
            ["RESTIC_PASSWORD_FILE"] = null,
            ["RESTIC_PASSWORD_COMMAND"] = null,
            ["RESTIC_REPOSITORY_FILE"] = null,
            ["RESTIC_CACHE_DIR"] = null,
            ["RESTIC_PROGRESS_FPS"] = null,
        };
        if (extraEnv is not null)
            foreach (var (name, value) in extraEnv) env[name] = value;
        return ProcessRunner.Run(Binary, argv, env, stdin, Timeout, workingDirectory);
    }

    public ProcessResult Run(params string[] args) => Run((IEnumerable<string>)args);

    /// <summary>Runs and throws (with restic's stderr, never the password) unless it exits 0.</summary>
    public ProcessResult RunChecked(params string[] args)
    {
        var result = Run(args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"restic {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr.Trim()}");
        return result;
    }

    public ProcessResult Init() => RunChecked("init");

    /// <summary>Backs up <paramref name="path"/> from its own directory; returns restic's --json output.</summary>
    public ProcessResult Backup(string path, params string[] extraArgs) =>
        RunChecked(["backup", "--json", .. extraArgs, path]);

    public ProcessResult Restore(string snapshot, string target, params string[] extraArgs) =>
        RunChecked(["restore", snapshot, "--target", target, .. extraArgs]);

    public static bool IsAvailable => Posix.TryLStat(Binary, out _, out _);

    public override string ToString() => $"restic ({Repository})";

    public void Dispose() => _cache?.Dispose();
}
