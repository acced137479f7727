using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Lifeboat.Engine.Platform;
using Lifeboat.Engine.Repository;
using Lifeboat.Engine.Storage;
using Lifeboat.Stack;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Cli;

/// <summary>The options every command takes, as restic names them.</summary>
public sealed class GlobalOptions
{
    public readonly Option<string?> Repo = new("--repo", "-r") { Description = "repository to back up to or restore from (default: $RESTIC_REPOSITORY)", Recursive = true };
    public readonly Option<string?> RepositoryFile = new("--repository-file") { Description = "file to read the repository location from (default: $RESTIC_REPOSITORY_FILE)", Recursive = true };
    public readonly Option<string?> PasswordFile = new("--password-file", "-p") { Description = "file to read the repository password from (default: $RESTIC_PASSWORD_FILE)", Recursive = true };
    public readonly Option<string?> PasswordCommand = new("--password-command") { Description = "shell command to obtain the repository password from (default: $RESTIC_PASSWORD_COMMAND)", Recursive = true };
    public readonly Option<string?> KeyHint = new("--key-hint") { Description = "key ID of key to try decrypting first (default: $RESTIC_KEY_HINT)", Recursive = true };
    public readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "do not output comprehensive progress report", Recursive = true };
    public readonly Option<int> Verbose = new("--verbose", "-v") { Description = "be verbose (specify multiple times or a level using --verbose=n, max level/times is 2)", Recursive = true, Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => 0 };
    public readonly Option<bool> Json = new("--json") { Description = "set output mode to JSON for commands that support it", Recursive = true };
    public readonly Option<bool> NoLock = new("--no-lock") { Description = "do not lock the repository, this allows some operations on read-only repositories", Recursive = true };
    public readonly Option<bool> NoCache = new("--no-cache") { Description = "do not use a local cache (the local backend needs none)", Recursive = true };
    public readonly Option<string?> CacheDir = new("--cache-dir") { Description = "set the cache directory (default: $RESTIC_CACHE_DIR, else ~/.cache/lifeboat)", Recursive = true };
    public readonly Option<bool> CleanupCache = new("--cleanup-cache") { Description = "auto remove old cache directories", Recursive = true };
    public readonly Option<string?> Compression = new("--compression") { Description = "compression mode (only available for repository format version 2), one of (auto|off|max) (default: $RESTIC_COMPRESSION)", Recursive = true };
    public readonly Option<int?> PackSize = new("--pack-size") { Description = "set target pack size in MiB, created pack files may be larger (default: $RESTIC_PACK_SIZE)", Recursive = true };
    public readonly Option<string?> Config = new("--config") { Description = "stack configuration to use when no repository is given (default: $LIFEBOAT_CONFIG, else ./lifeboat.yaml)", Recursive = true };
    public readonly Option<string[]> ExtendedOptions = new("--option", "-o") { Description = "set extended option (key=value, can be specified multiple times)", Recursive = true, AllowMultipleArgumentsPerToken = false };
    public readonly Option<string[]> CaCert = new("--cacert") { Description = "file to load root certificates from (default: use system certificates or $RESTIC_CACERT)", Recursive = true, AllowMultipleArgumentsPerToken = false };
    public readonly Option<int?> LimitUpload = new("--limit-upload") { Description = "limits uploads to a maximum rate in KiB/s. (default: unlimited)", Recursive = true };
    public readonly Option<int?> LimitDownload = new("--limit-download") { Description = "limits downloads to a maximum rate in KiB/s. (default: unlimited)", Recursive = true };

    public void AddTo(RootCommand root)
    {
        foreach (var o in new Option[] { Repo, RepositoryFile, PasswordFile, PasswordCommand, KeyHint, Quiet, Verbose, Json, NoLock, NoCache, CacheDir, CleanupCache, Compression, PackSize, ExtendedOptions, CaCert, LimitUpload, LimitDownload, Config })
            root.Options.Add(o);
    }
}

/// <summary>What a command needs from the global options, resolved against the environment.</summary>
public sealed class CommandContext(GlobalOptions options, ParseResult parse)
{
    public ParseResult Parse { get; } = parse;
    public bool Json => Parse.GetValue(options.Json);
    public bool Quiet => Parse.GetValue(options.Quiet);
    public int Verbosity => Parse.GetResult(options.Verbose) is { } r && r.Tokens.Count == 0 && !r.Implicit ? Math.Max(1, Parse.GetValue(options.Verbose)) : Parse.GetValue(options.Verbose);
    public bool NoLock => Parse.GetValue(options.NoLock);
    public TextWriter Out { get; } = Console.Out;
    public TextWriter Error { get; } = Console.Error;
    /// <summary>Progress is shown only on a terminal, and not with --quiet or --json.</summary>
    public bool ShowProgress => !Quiet && !Json && Posix.IsTerminal(1);

    /// <summary>Plain messages (not with --quiet, and on stderr with --json so stdout stays parseable).</summary>
    public void Info(string line)
    {
        if (Quiet) return;
        (Json ? Error : Out).WriteLine(line);
    }

    /// <summary>True when -r, --repository-file or their environment variables name a repository: restic mode.</summary>
    public bool RepositoryGiven =>
        (Parse.GetValue(options.Repo) ?? Env.Get("RESTIC_REPOSITORY") ?? Parse.GetValue(options.RepositoryFile) ?? Env.Get("RESTIC_REPOSITORY_FILE")) is not null;

    private StackConfig? _stackConfig;
    private bool _stackConfigLooked;

    /// <summary>
    /// Stack mode: the lifeboat.yaml in use (--config, $LIFEBOAT_CONFIG, ./lifeboat.yaml) when no repository is given;
    /// null otherwise. It supplies the repository, the password file or command, compression and pack size.
    /// </summary>
    public StackConfig? StackConfig
    {
        get
        {
            if (_stackConfigLooked) return _stackConfig;
            _stackConfigLooked = true;
            if (RepositoryGiven) return null;
            var path = LocateStackConfig();
            return _stackConfig = path is null ? null : StackConfigLoader.Load(path);
        }
    }

    /// <summary>The lifeboat.yaml named by --config or $LIFEBOAT_CONFIG, else ./lifeboat.yaml when it exists, else null; not read.</summary>
    public string? LocateStackConfig() =>
        StackConfigLoader.Locate(Parse.GetValue(options.Config), System.Environment.GetEnvironmentVariable(StackConfigLoader.EnvironmentVariable), System.Environment.CurrentDirectory);

    /// <summary>A password given by option or environment, which wins over the config's password-file or password-command.</summary>
    public bool PasswordGiven =>
        (Parse.GetValue(options.PasswordFile) ?? Env.Get("RESTIC_PASSWORD_FILE") ?? Parse.GetValue(options.PasswordCommand) ?? Env.Get("RESTIC_PASSWORD_COMMAND") ?? Env.Get("RESTIC_PASSWORD")) is not null;

    public string RepositoryLocation()
    {
        var repo = Parse.GetValue(options.Repo) ?? Env.Get("RESTIC_REPOSITORY");
        var file = Parse.GetValue(options.RepositoryFile) ?? Env.Get("RESTIC_REPOSITORY_FILE");
        if (repo is null && file is null && StackConfig is { } stack) return stack.Repository;
        if (repo is not null && file is not null && Parse.GetValue(options.Repo) is not null && Parse.GetValue(options.RepositoryFile) is not null)
            throw new CliException("Options -r and --repository-file are mutually exclusive, please specify only one");
        if (repo is null && file is not null)
        {
            try { repo = File.ReadAllText(file).Trim(); }
            catch (IOException e) { throw new CliException($"cannot read repository file {file}: {e.Message}"); }
        }
        if (string.IsNullOrEmpty(repo))
            throw new CliException("Please specify repository location (-r or --repository-file)");
        return repo;
    }

    /// <summary>
    /// Opens the backend a repository string names, with the command's -o options, --cacert, limits and retry reporting;
    /// in stack mode the config's credentials-file supplies the storage credentials.
    /// </summary>
    public IBackend OpenBackend(string location) => OpenBackend(location, StackConfig?.CredentialsFile);

    public IBackend OpenBackend(string location, string? credentialsFile) => BackendFactory.Open(location, BackendSettings(credentialsFile));

    /// <summary>The stack's offsite repository's backend: its own credentials file, else the stack's.</summary>
    public IBackend OpenOffsiteBackend(StackConfig stack, OffsiteConfig offsite) =>
        OpenBackend(offsite.Repository, offsite.CredentialsFile ?? stack.CredentialsFile);

    /// <summary>The offsite repository's password: its own password-file or -command, else the primary repository's.</summary>
    public string OffsitePassword(StackConfig stack, OffsiteConfig offsite) =>
        offsite.HasOwnPassword ? ReadPassword(offsite.PasswordFile, offsite.PasswordCommand) : Password(stack);

    /// <summary>Opens the stack's offsite repository with its password.</summary>
    public async Task<Repository> OpenOffsiteRepositoryAsync(StackConfig stack, OffsiteConfig offsite, CancellationToken cancellationToken)
    {
        var backend = OpenOffsiteBackend(stack, offsite);
        try
        {
            return await Repository.OpenAsync(backend, OffsitePassword(stack, offsite), RepositoryOptions(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    private static string ReadPassword(string? file, string? command)
    {
        string password;
        if (file is not null)
        {
            try { password = File.ReadAllText(file).Trim(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"cannot read password file {file}: {e.Message}");
            }
        }
        else password = RunPasswordCommand(command!);
        if (password.Length == 0) throw new CliException($"the password from {(file is not null ? $"file {file}" : "the password command")} is empty");
        return password;
    }

    public BackendSettings BackendSettings(string? credentialsFile = null)
    {
        // The stack's credentials file wins over the process environment: it is written for this stack's storage.
        var credentials = credentialsFile is null ? null : CredentialsFile.Load(credentialsFile);
        var extended = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in Parse.GetValue(options.ExtendedOptions) ?? [])
        {
            int eq = item.IndexOf('=');
            if (eq <= 0) throw new CliException($"invalid option \"{item}\": want key=value");
            extended[item[..eq].Trim()] = item[(eq + 1)..].Trim();
        }
        var cacert = Parse.GetValue(options.CaCert) is { Length: > 0 } given ? given
            : Env.Get("RESTIC_CACERT") is { Length: > 0 } fromEnv ? fromEnv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        long? Limit(Option<int?> option, string name)
        {
            var kib = Parse.GetValue(option);
            if (kib is null || kib == 0) return null;
            if (kib < 0) throw new CliException($"{name} must be a positive number of KiB/s");
            return kib * 1024L;
        }
        var json = Json;
        var error = Error;
        return new BackendSettings
        {
            Options = extended,
            Environment = credentials is null ? Env.Get : name => credentials.TryGetValue(name, out var value) ? value : Env.Get(name),
            CaCertificateFiles = cacert,
            UploadLimit = Limit(options.LimitUpload, "--limit-upload"),
            DownloadLimit = Limit(options.LimitDownload, "--limit-download"),
            OnRetry = notice =>
            {
                lock (error)
                {
                    if (json) error.WriteLine(Rendering.JsonOutput.RetryLine(notice));
                    else error.WriteLine(notice.ToString());
                }
            },
        };
    }

    public RepositoryOptions RepositoryOptions()
    {
        var compression = Parse.GetValue(options.Compression) ?? Env.Get("RESTIC_COMPRESSION") ?? StackConfig?.Compression ?? "auto";
        var mode = compression.ToLowerInvariant() switch
        {
            "auto" => CompressionMode.Auto,
            "off" => CompressionMode.Off,
            "max" => CompressionMode.Max,
            _ => throw new CliException($"invalid compression mode \"{compression}\": choose auto, off or max"),
        };
        long packSize = RepositoryOptionsDefaults.PackSize;
        var packSizeMiB = Parse.GetValue(options.PackSize) ?? (Env.Get("RESTIC_PACK_SIZE") is { } s ? (int.TryParse(s, out var v) ? v : throw new CliException($"invalid RESTIC_PACK_SIZE \"{s}\": want a number of MiB")) : StackConfig?.PackSizeMiB);
        if (packSizeMiB is { } mib)
        {
            packSize = (long)mib << 20;
            if (packSize < Engine.Repository.RepositoryOptions.MinPackSize || packSize > Engine.Repository.RepositoryOptions.MaxPackSize)
                throw new CliException($"pack size {mib} MiB is out of range: choose between 4 and 128 MiB");
        }
        return new RepositoryOptions
        {
            Compression = mode, PackSize = packSize, KeyHint = Parse.GetValue(options.KeyHint) ?? Env.Get("RESTIC_KEY_HINT"),
            CacheDirectory = RepositoryCacheDirectory(), Warn = Warn,
        };
    }

    // ---- the local cache of remote repositories ----
    public bool NoCache => Parse.GetValue(options.NoCache);
    public bool CleanupCache => Parse.GetValue(options.CleanupCache);

    /// <summary>The cache's base directory: --cache-dir, $LIFEBOAT_CACHE_DIR or $RESTIC_CACHE_DIR, else $XDG_CACHE_HOME/lifeboat or ~/.cache/lifeboat.</summary>
    /// <exception cref="IOException">None of these is set.</exception>
    public string CacheDirectory() => Parse.GetValue(options.CacheDir) ?? Env.Get("RESTIC_CACHE_DIR") ?? Engine.Storage.Cache.CacheDirectories.DefaultBase(Env.Get);

    /// <summary>Why there is no cache directory although --no-cache was not given (no $HOME); said once a remote repository is opened.</summary>
    internal string? CacheDirectoryError { get; private set; }

    /// <summary>The cache for a repository: none with --no-cache, nor when no base directory can be found (<see cref="CacheDirectoryError"/>).</summary>
    private string? RepositoryCacheDirectory()
    {
        if (NoCache) return null;
        try { return CacheDirectory(); }
        catch (IOException e) { CacheDirectoryError = e.Message; return null; }
    }

    /// <summary>A warning that does not stop the command, on stderr (restic's Warnf).</summary>
    public void Warn(string message)
    {
        lock (Error) Error.WriteLine(message);
    }

    /// <summary>restic's order: --password-file, --password-command, $RESTIC_PASSWORD, else a prompt on a terminal.</summary>
    public string Password(bool confirm = false) => Password(StackConfig, confirm);

    /// <summary>The same, with this stack config's password-file or password-command when no password is given.</summary>
    public string Password(StackConfig? stackConfig, bool confirm = false)
    {
        var file = Parse.GetValue(options.PasswordFile) ?? Env.Get("RESTIC_PASSWORD_FILE");
        var command = Parse.GetValue(options.PasswordCommand) ?? Env.Get("RESTIC_PASSWORD_COMMAND");
        if (!PasswordGiven && stackConfig is { } stack)
        {
            file = stack.PasswordFile;
            command = stack.PasswordCommand;
        }
        if (Parse.GetValue(options.PasswordFile) is not null && Parse.GetValue(options.PasswordCommand) is not null)
            throw new CliException("Password file and command are mutually exclusive options");
        string? password = null;
        if (file is not null)
        {
            try { password = File.ReadAllText(file).Trim(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"cannot read password file {file}: {e.Message}");
            }
        }
        else if (command is not null) password = RunPasswordCommand(command);
        else password = Env.Get("RESTIC_PASSWORD");
        if (password is null && Posix.IsTerminal(0))
        {
            password = PromptHidden("enter password for repository: ");
            if (confirm && PromptHidden("enter password again: ") != password)
                throw new CliException("passwords do not match");
        }
        if (string.IsNullOrEmpty(password))
            throw new CliException("an empty password is not allowed: set RESTIC_PASSWORD, --password-file or --password-command");
        return password;
    }

    private static string RunPasswordCommand(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi) ?? throw new CliException("password command could not be started");
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new CliException($"password command failed with exit code {p.ExitCode}");
        return output.Trim();
    }

    /// <summary>Reads a line from the terminal without echoing it (passwords).</summary>
    internal static string PromptHidden(string text)
    {
        Console.Error.Write(text);
        var sb = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (sb.Length > 0) sb.Length--; continue; }
            sb.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return sb.ToString();
    }

    /// <summary>
    /// Opens the repository with a password, printing restic's confirmation line. The index is loaded by
    /// <see cref="LockAsync"/>, once the lock that protects it is written.
    /// </summary>
    public async Task<Repository> OpenRepositoryAsync(CancellationToken cancellationToken)
    {
        var location = RepositoryLocation();
        var backend = OpenBackend(location);
        string password;
        try { password = Password(); }
        catch { backend.Dispose(); throw; }
        var repo = await Repository.OpenAsync(backend, password, RepositoryOptions(), cancellationToken).ConfigureAwait(false);
        if (Verbosity > 0) Info($"repository {repo.Config.Id[..8]} opened (version {repo.Version}, compression level {RepositoryOptions().Compression.ToString().ToLowerInvariant()})");
        CacheReport.AfterOpen(this, repo, backend.IsLocal);
        return repo;
    }

    /// <summary>
    /// Locks the repository (not with --no-lock, nor when <paramref name="skipLock"/>) and, when asked, loads its
    /// index: after the lock file is written, while the lock waits for its re-check, so that the index read is one
    /// the lock protects (prune cannot have removed packs under it) and the 200 ms wait costs nothing.
    /// </summary>
    /// <param name="whileLocking">Other read-only loading to do the same way (check's own index load).</param>
    public async Task<RepositoryLock?> LockAsync(Repository repo, bool exclusive, CancellationToken cancellationToken,
        bool loadIndex = false, bool skipLock = false, Func<CancellationToken, Task>? whileLocking = null)
    {
        if (loadIndex)
        {
            var other = whileLocking;
            whileLocking = async ct =>
            {
                await repo.LoadIndexAsync(ct).ConfigureAwait(false);
                if (other is not null) await other(ct).ConfigureAwait(false);
            };
        }
        if (NoLock || skipLock)
        {
            if (whileLocking is not null) await whileLocking(cancellationToken).ConfigureAwait(false);
            return null;
        }
        return await RepositoryLock.AcquireAsync(repo, exclusive, cancellationToken, whileLocking).ConfigureAwait(false);
    }
}

internal static class RepositoryOptionsDefaults
{
    public const long PackSize = Engine.Repository.RepositoryOptions.DefaultPackSize;
}
