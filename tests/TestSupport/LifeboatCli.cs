namespace Lifeboat.TestSupport;

/// <summary>
/// Runs the real `lifeboat` command line as a user would: the Release build that ./lifeboat makes
/// (run-tests builds it before the suites start), with a clean environment for the repository settings.
/// </summary>
public sealed class LifeboatCli
{
    private readonly Dictionary<string, string?> _env = new()
    {
        // nothing inherited may choose a repository or a password behind the test's back
        ["RESTIC_REPOSITORY"] = null, ["RESTIC_REPOSITORY_FILE"] = null, ["RESTIC_PASSWORD"] = null,
        ["RESTIC_PASSWORD_FILE"] = null, ["RESTIC_PASSWORD_COMMAND"] = null, ["RESTIC_COMPRESSION"] = null,
        ["RESTIC_PACK_SIZE"] = null, ["RESTIC_CACHE_DIR"] = null, ["RESTIC_KEY_HINT"] = null, ["RESTIC_HOST"] = null,
        ["LIFEBOAT_REPOSITORY"] = null, ["LIFEBOAT_PASSWORD"] = null, ["LIFEBOAT_PASSWORD_FILE"] = null,
        ["LIFEBOAT_PASSWORD_COMMAND"] = null, ["LIFEBOAT_COMPRESSION"] = null, ["LIFEBOAT_PACK_SIZE"] = null,
        // what lifeboat remembers (backup runs, restore tests) goes to a directory of this test run, never to ~/.local/state
        ["LIFEBOAT_STATE_DIR"] = SharedStateDirectory.Value.Path,
    };

    private static readonly Lazy<TempDirectory> SharedStateDirectory = new(() =>
    {
        var directory = new TempDirectory("lifeboat-test-state");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => directory.Dispose();
        return directory;
    });

    public LifeboatCli(string? repository = null, string? password = null)
    {
        if (repository is not null) _env["RESTIC_REPOSITORY"] = repository;
        if (password is not null) _env["RESTIC_PASSWORD"] = password;
    }

    public LifeboatCli With(string name, string? value)
    {
        _env[name] = value;
        return this;
    }

    /// <summary>The environment lifeboat runs with (null: removed), for a caller that starts it itself.</summary>
    public IReadOnlyDictionary<string, string?> Environment => _env;

    private string[] _launcher = [];

    /// <summary>Runs lifeboat through <paramref name="launcher"/> (a command that execs its arguments), e.g. tools/without-syscall.</summary>
    public LifeboatCli Through(params string[] launcher)
    {
        _launcher = launcher;
        return this;
    }

    public static string Binary
    {
        get
        {
            var built = System.IO.Path.Combine(Fixtures.RepositoryRoot, ".build", "cli", "lifeboat");
            return File.Exists(built) ? built : System.IO.Path.Combine(Fixtures.RepositoryRoot, "lifeboat");
        }
    }

    public ProcessResult Run(params string[] args) => Run(args, stdin: null);

    /// <summary>Runs lifeboat; an output that holds a secret the test gave it fails the test (<see cref="SecretScan"/>).</summary>
    public ProcessResult Run(IEnumerable<string> args, string? stdin = null, string? workingDirectory = null, Action<string>? onStdout = null)
    {
        var argList = args.ToList();
        var result = _launcher.Length == 0
            ? ProcessRunner.Run(Binary, argList, _env, stdin, TimeSpan.FromMinutes(5), workingDirectory, onStdout)
            : ProcessRunner.Run(_launcher[0], [.. _launcher[1..], Binary, .. argList], _env, stdin, TimeSpan.FromMinutes(5), workingDirectory, onStdout);
        SecretScan.Check(_env, argList, workingDirectory, result);
        return result;
    }

    /// <summary>Runs and fails the test with lifeboat's own output unless it exits 0.</summary>
    public ProcessResult RunChecked(params string[] args)
    {
        var r = Run(args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"lifeboat {string.Join(' ', args)} exited {r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
        return r;
    }
}
